// `node --import ./tests/helpers/electron-stand-in/register.ts out/main/main.js`: resolves `electron` to
// the stand-in (electron.ts) through Node's in-thread module hooks, and refuses to load any other
// TypeScript file, so the built app is seen to run without one. Worker threads inherit the `--import`,
// so the guard holds in them too.
import { registerHooks } from 'node:module'

const HERE = new URL('./', import.meta.url).href
const STAND_IN = new URL('./electron.ts', import.meta.url).href

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'electron' || specifier === 'electron/main') return { url: STAND_IN, shortCircuit: true }
    return nextResolve(specifier, context)
  },
  load(url, context, nextLoad) {
    if (/\.[mc]?ts$/.test(new URL(url).pathname) && !url.startsWith(HERE)) {
      throw new Error(`the built app loaded a TypeScript source (${url}); everything under out/ must run without TypeScript`)
    }
    return nextLoad(url, context)
  },
})

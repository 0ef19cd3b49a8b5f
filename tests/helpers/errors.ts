// The error a call throws, checked to be of the class expected, so a test can look at its code and message.
import { expect } from 'vitest'

export function thrown<E extends Error>(fn: () => unknown, cls: abstract new (...args: never[]) => E): E {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(cls)
    return e as E
  }
  throw new Error(`expected a ${cls.name}`)
}

// The studio's page: the app, Pinia, what the studio remembers, the one key listener, the one event
// subscription, and the design reopened where it was left.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { onConnection, studio } from './api/client.ts'
import { useActions } from './actions/index.ts'
import { restoreDesign } from './actions/file.ts'
import { menuItems } from './actions/registry.ts'
import { installShortcuts } from './composables/useShortcuts.ts'
import { useApp } from './stores/app.ts'
import { useData } from './stores/data.ts'
import { useRuns } from './stores/runs.ts'
import { usePrefs } from './stores/prefs.ts'
import { useConnection } from './stores/connection.ts'

const app = createApp(App).use(createPinia())
// What the studio remembers (the theme first of all) and the design it was left with are read before
// anything is drawn: no screen shows the wrong theme, or checks a model that is about to be replaced.
void usePrefs().load().then(async () => {
  const actions = useActions()
  installShortcuts(actions)
  // The one event subscription (RENDERER.md): menu items to the actions, run events to the runs store by runId, folder-read progress to the data store.
  studio().on((e) => {
    if (e.type === 'menu') actions.run(e.action)
    else if (e.type === 'dataset') useData().onProgress(e)
    else useRuns().onEvent(e)
  })
  // A dropped socket (`serve`) loses the events sent meanwhile: once it is back, the runs are read again.
  onConnection((up) => {
    useConnection().up = up
    if (up) void useRuns().resync()
  })
  // The native menu is made from the registry's items (Electron; a browser's host ignores them). Unsent, the
  // window keeps its menu of text editing and zoom, and every key still works here.
  studio().invoke('menu.set', { items: menuItems(actions) }).catch(() => {})
  void useApp().load()
  await restoreDesign()
  app.mount('#app')
})

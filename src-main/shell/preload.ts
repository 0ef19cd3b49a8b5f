// The one bridge between the page and the main process: a single typed `window.studio` object.
import { contextBridge } from 'electron'

const studio = {
  host: 'electron' as const,
  versions: { electron: process.versions.electron, chrome: process.versions.chrome },
}

export type StudioBridge = typeof studio

contextBridge.exposeInMainWorld('studio', studio)

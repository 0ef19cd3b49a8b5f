// The one bridge between the page and the main process: `window.studio`, a typed invoke/on pair over two
// IPC channels. Nothing else of Electron or Node reaches the page (contextIsolation + sandbox).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { Reply, StudioBridge, StudioEvent } from '../api/contract.ts'

const studio: StudioBridge = {
  invoke: (command, payload) => ipcRenderer.invoke('studio:invoke', command, payload) as Promise<Reply>,
  on(listener) {
    const handler = (_e: IpcRendererEvent, event: StudioEvent) => listener(event)
    ipcRenderer.on('studio:event', handler)
    return () => ipcRenderer.removeListener('studio:event', handler)
  },
}

contextBridge.exposeInMainWorld('studio', studio)

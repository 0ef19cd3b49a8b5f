// Whether the page can reach the studio: `cnn-studio serve`'s socket can drop (the server restarted, a laptop
// slept); the client reopens it by itself and main.ts reads again what the events would have said.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export const useConnection = defineStore('connection', () => {
  const up = ref(true)
  return { up }
})

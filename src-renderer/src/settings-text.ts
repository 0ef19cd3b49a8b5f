// The training settings' labels and one line of help each, as the Train form shows them (its fields come
// from the settings' JSON schema); the run page shows a run's settings under the same labels.
/** Labels and one line of help; a property the schema gains later still gets a field, named by its key. */
export const SETTING_TEXT: Record<string, { label: string; help?: string; placeholder?: string; advanced?: boolean }> = {
  name: { label: 'Run name', placeholder: 'automatic', help: 'Shown in the runs table; left empty, the model, optimizer and learning rate.' },
  epochs: { label: 'Epochs', help: 'Passes over the training images.' },
  batchSize: { label: 'Batch size', help: 'Images per weight update.' },
  optimizer: { label: 'Optimizer' },
  lr: { label: 'Learning rate', help: 'Step size; too high diverges, too low crawls.' },
  momentum: { label: 'Momentum', help: 'SGD only.', advanced: true },
  nesterov: { label: 'Nesterov momentum', help: 'SGD only.', advanced: true },
  weightDecay: { label: 'Weight decay', help: 'Pulls weights toward zero; fights overfitting.', advanced: true },
  schedule: { label: 'LR schedule', advanced: true },
  warmupEpochs: { label: 'Warm-up epochs', advanced: true },
  valSplit: { label: 'Validation split', help: 'Share held out to measure accuracy (also on the Data screen).' },
  seed: { label: 'Seed', help: 'Same seed, same split and shuffle.', advanced: true },
  augment: { label: 'Augmentation', help: 'Also on the Data screen.' },
  workers: { label: 'Worker threads', placeholder: 'all cores', advanced: true },
  device: { label: 'Device', help: 'cpu; gpu (WebGPU); or auto: a few timed steps on each, the faster kept, and the run says why.', advanced: true },
}

/** Recorded with a run beside its settings, not fields of the form. */
const RECORDED: Record<string, string> = { datasetDir: 'Training folder', testDir: 'Test folder', deviceUsed: 'Device used', deviceReason: 'Why that device' }

/** A setting's label as the form shows it (a key the form does not know: the key itself). */
export const settingLabel = (key: string): string => SETTING_TEXT[key]?.label ?? RECORDED[key] ?? key

// The engine benchmark, as `cnn-studio bench` prints it.
import { main } from '../../src-main/cli/main.ts'

process.exitCode = await main(['node', 'cnn-studio', 'bench'])

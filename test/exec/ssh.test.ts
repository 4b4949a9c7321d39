// The ssh executor over a stand-in for ssh that runs the remote command on this machine (what sshd would do),
// so placement, retries, the remote script and copying runs back are checked in the default test run.
// test/exec/ssh.heavy.ts runs the same scenarios through a real sshd.
import { resolve } from 'node:path';
import { test } from 'uvu';
import { checkSshAbort, checkSshGrid } from '../fixtures/ssh/scenario.ts';

const fakeSsh = resolve(import.meta.dirname, '../fixtures/ssh/fake-ssh.sh');
const scenario = { ssh: [fakeSsh, '-o', 'BatchMode=yes'], hosts: ['alpha', 'beta'] as [string, string] };

test('runSsh places jobs on aligned free GPUs, retries the failed one and copies runs back', () => checkSshGrid(scenario));

test('runSsh stops the remote command on abort and still copies what it wrote', () => checkSshAbort(scenario));

test.run();

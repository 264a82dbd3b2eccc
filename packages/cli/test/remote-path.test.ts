import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localRelative, objectOf, parseRemotePath, showPath, targetName } from '../src/remote-path.ts';
import { UsageError } from '../src/usage-error.ts';

test('a leading slash names the container; otherwise the default container holds the path', () => {
  assert.deepEqual(parseRemotePath('/photos/2024/beach.jpg'), { container: 'photos', name: '2024/beach.jpg' });
  assert.deepEqual(parseRemotePath('docs/a.txt'), { container: 'pithos', name: 'docs/a.txt' });
  assert.deepEqual(parseRemotePath('docs/a.txt', 'work'), { container: 'work', name: 'docs/a.txt' });
  assert.deepEqual(parseRemotePath('/photos'), { container: 'photos', name: '' });
  assert.deepEqual(parseRemotePath('/photos/'), { container: 'photos', name: '' });
  assert.deepEqual(parseRemotePath(''), { container: 'pithos', name: '' });
  assert.throws(() => parseRemotePath('/'), UsageError);
  assert.throws(() => parseRemotePath('//x'), UsageError);
});

test('objectOf drops trailing slashes and refuses a bare container', () => {
  assert.deepEqual(objectOf('/c/dir/'), { container: 'c', name: 'dir' });
  assert.throws(() => objectOf('/c'), /names a container, not an object/);
  assert.throws(() => objectOf(''), UsageError);
});

test('targetName goes into containers and folders written with a trailing slash', () => {
  assert.equal(targetName({ container: 'c', name: '' }, 'a/b/report.pdf'), 'report.pdf');
  assert.equal(targetName({ container: 'c', name: 'docs/' }, 'report.pdf'), 'docs/report.pdf');
  assert.equal(targetName({ container: 'c', name: 'docs/new.pdf' }, 'report.pdf'), 'docs/new.pdf');
  assert.equal(showPath({ container: 'c', name: 'docs/new.pdf' }), '/c/docs/new.pdf');
});

test('localRelative keeps downloads inside their directory', () => {
  assert.equal(localRelative('tree/a/b.txt', 'tree/'), 'a/b.txt');
  assert.equal(localRelative('a.txt', ''), 'a.txt');
  for (const evil of ['tree/../../etc/passwd', 'tree//x', 'tree/./x', 'tree/a\\..\\b', 'other/x']) {
    assert.equal(localRelative(evil, 'tree/'), undefined, evil);
  }
  assert.equal(localRelative('/abs', ''), undefined);
});

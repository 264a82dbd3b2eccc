// `oceanos keypair list|info|upload|generate|delete`: SSH keys put into servers at first boot.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Keypair } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { utcTime } from '../terminal-text.ts';
import { CliError } from '../usage-error.ts';

function showKeypair(ctx: Context, keypair: Keypair): void {
  ctx.output.record([
    ['Name', keypair.name],
    ['Type', keypair.type],
    ['Fingerprint', keypair.fingerprint],
    ['Public key', keypair.public_key.trim()],
    ['Created', utcTime(keypair.created_at)],
  ], keypair);
}

/** The key file given, else the user's ed25519 key, else their RSA key. CliError if none is readable. */
function readPublicKey(ctx: Context, file: string | undefined): { path: string; key: string } {
  const home = ctx.env.HOME || homedir();
  const candidates = file !== undefined ? [file] : ['id_ed25519.pub', 'id_rsa.pub'].map((name) => join(home, '.ssh', name));
  for (const path of candidates) {
    try {
      return { path, key: readFileSync(path, 'utf8').trim() };
    } catch (error) {
      if (file !== undefined) throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }
  throw new CliError(`no public key found (looked for ${candidates.join(' and ')}): pass --public-key FILE`);
}

/** ~/.ssh/oceanos-NAME, making ~/.ssh (mode 0700, as ssh wants it) if there is none. */
function defaultKeyFile(ctx: Context, name: string): string {
  const dir = join(ctx.env.HOME || homedir(), '.ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, `oceanos-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/**
 * Creates `path` for the private key before the key exists, so that a file already there is
 * refused without a key pair left behind. Mode 0600: ssh refuses keys others can read.
 */
function openKeyFile(path: string): number {
  try {
    return openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EEXIST' ? `${path} exists already: not overwriting it` : `cannot create ${path}: ${(error as Error).message}`);
  }
}

/** Removes the key file made for a generate that failed, then throws its error. */
function abandon(fd: number | undefined, path: string | undefined, error: unknown): never {
  if (fd !== undefined) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    unlinkSync(path!);
  }
  throw error;
}

export function registerKeypairCommands(program: CommandUnknownOpts, ctx: Context): void {
  const keypair = program.command('keypair').description('key pairs: SSH public keys for logging in to servers');

  keypair.command('list').description('list your key pairs')
    .action(async () => {
      const keypairs = await (await ctx.client()).keypairs.list();
      ctx.output.table(['Name', 'Type', 'Fingerprint'], keypairs.map((k) => [k.name, k.type, k.fingerprint]), keypairs, 'No key pairs (add one with: oceanos keypair upload NAME or oceanos keypair generate NAME).');
    });

  keypair.command('info').description('show a key pair with its public key')
    .argument('<name>')
    .action(async (name) => showKeypair(ctx, await (await ctx.client()).keypairs.get(name)));

  keypair.command('upload').description('store an SSH public key of yours under a name')
    .argument('<name>')
    .option('--public-key <file>', 'the public key file (default: ~/.ssh/id_ed25519.pub, then ~/.ssh/id_rsa.pub)')
    .action(async (name, opts) => {
      const { key } = readPublicKey(ctx, opts.publicKey);
      showKeypair(ctx, await (await ctx.client()).keypairs.upload(name, key));
    });

  keypair.command('generate').description('have the cloud make a key pair; its private key is written once to a new file (mode 0600) and kept nowhere else')
    .argument('<name>')
    .option('--private-key-file <file>', 'the new file for the private key, or - to print it on stdout (default: ~/.ssh/oceanos-NAME)')
    .action(async (name, opts) => {
      const toStdout = opts.privateKeyFile === '-';
      const out = toStdout ? undefined : opts.privateKeyFile ?? defaultKeyFile(ctx, name);
      const fd = out === undefined ? undefined : openKeyFile(out);
      const client = await ctx.client().catch((error: unknown) => abandon(fd, out, error));
      const made = await client.keypairs.generate(name).catch((error: unknown) => abandon(fd, out, error));
      if (fd === undefined) {
        // The key alone on stdout, so that `> key.pem` keeps it; the rest is for the person.
        if (ctx.output.json) ctx.output.message('', made);
        else ctx.io.stdout(made.private_key.endsWith('\n') ? made.private_key : `${made.private_key}\n`);
        ctx.io.stderr(`Generated key pair ${made.name} (${made.fingerprint}); its private key is kept nowhere else\n`);
        return;
      }
      try {
        writeSync(fd, made.private_key);
        closeSync(fd);
      } catch (error) {
        // A key pair whose private key is lost is of no use to anyone.
        await client.keypairs.delete(name).catch(() => undefined);
        abandon(fd, out, error);
      }
      const { private_key: _, ...kept } = made;
      ctx.output.message(`Generated key pair ${made.name} (${made.fingerprint}); its private key is in ${out}`, { ...kept, private_key_file: out });
    });

  keypair.command('delete').description('delete a key pair (servers made with it keep the key)')
    .argument('<name>')
    .action(async (name) => {
      await (await ctx.client()).keypairs.delete(name);
      ctx.output.message(`Deleted key pair ${name}`, { name });
    });
}

// What the image commands share: KEY=VALUE properties, the visibility flags, the options of
// register and upload, and how one image is shown.
import { Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { imageProperties, parseLocation, type Image, type RegisterOptions, type Visibility } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { formatQuantity, parseQuantity } from '../quantity.ts';
import { utcTime } from '../terminal-text.ts';
import { UsageError } from '../usage-error.ts';

/** Images uploaded by the CLI go to this container unless told otherwise. */
export const IMAGE_CONTAINER = 'images';

export const size = (n: number | null) => (n === null ? undefined : formatQuantity(n, 'bytes'));

/** Commander's accumulator for options that may be given several times. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** `KEY=VALUE` options → a record; UsageError on anything without a key and "=". */
export function parseProperties(pairs: string[], option = '--property'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`invalid ${option}: ${JSON.stringify(pair)} (expected KEY=VALUE)`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/**
 * The name a property has on `image`: Synnefo writes property names in upper case (and
 * Plankton upper-cases them), but Glance keeps any case, so an existing property is matched
 * whatever its case and a new one is upper case.
 */
export function propertyName(image: Image, name: string): string {
  return Object.keys(imageProperties(image)).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name.toUpperCase();
}

const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;

/** --public, --private, --shared and --community, at most one of them. */
export function withVisibilityOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, help: (v: Visibility) => string) {
  const others = (v: Visibility) => VISIBILITIES.filter((other) => other !== v);
  return command
    .addOption(new Option('--public', help('public')).conflicts(others('public')))
    .addOption(new Option('--private', help('private')).conflicts(others('private')))
    .addOption(new Option('--shared', help('shared')).conflicts(others('shared')))
    .addOption(new Option('--community', help('community')).conflicts(others('community')));
}

export const visibilityOf = (opts: Partial<Record<Visibility, boolean>>): Visibility | undefined => VISIBILITIES.find((v) => opts[v]);

/** What `image register` and `image upload` both take besides the file. */
export function withRegisterOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--property <KEY=VALUE>', 'a property of the image (OSFAMILY=linux, ROOT_PARTITION=1, USERS=root...); repeat for more', collect, [] as string[])
    .addOption(new Option('--disk-format <format>', 'format of the file (default: diskdump)').choices(['diskdump', 'raw', 'qcow2'] as const))
    .addOption(new Option('--container-format <format>', 'container format (default: bare)').choices(['bare', 'ovf'] as const))
    .option('--public', 'make the image public (it is private by default)')
    .option('--min-disk <GiB>', 'the smallest disk a VM of this image needs, in GiB')
    .option('--min-ram <MiB>', 'the least RAM a VM of this image needs, in MiB');
}

export interface RegisterFlags {
  property: string[];
  diskFormat?: string;
  containerFormat?: string;
  public?: boolean;
  minDisk?: string;
  minRam?: string;
}

/** Plankton's register options from the flags of withRegisterOptions. */
export function registerOptionsOf(opts: RegisterFlags, name: string, location: string): RegisterOptions {
  return {
    name, location, disk_format: opts.diskFormat, container_format: opts.containerFormat, is_public: opts.public,
    properties: parseProperties(opts.property),
    min_disk: wholeNumber(opts.minDisk, '--min-disk'), min_ram: wholeNumber(opts.minRam, '--min-ram'),
  };
}

export const wholeNumber = (text: string | undefined, option: string) => (text === undefined ? undefined : parseQuantity(text, null, option));

/** `pithos://ACCOUNT/C/P` as `/C/P` when it is in the caller's own account. */
export function showLocation(location: string | null, account: string): string | undefined {
  const parsed = location ? parseLocation(location) : undefined;
  return parsed?.account === account ? `/${parsed.container}/${parsed.name}` : location ?? undefined;
}

/** Every field of an image, its properties last; JSON mode prints the image with its location. */
export function showImage(ctx: Context, image: Image, location: string | null, account: string): void {
  ctx.output.record([
    ['ID', image.id],
    ['Name', image.name],
    ['Status', image.status],
    ['Size', image.size === null ? undefined : `${size(image.size)} (${image.size} bytes)`],
    ['Virtual size', size(image.virtual_size)],
    ['Checksum (MD5)', image.checksum],
    ['Disk format', image.disk_format],
    ['Container format', image.container_format],
    ['Visibility', image.visibility],
    ['Protected', image.protected],
    ['Owner', image.owner],
    ['Location', showLocation(location, account)],
    ['Min disk', `${image.min_disk} GiB`],
    ['Min RAM', `${image.min_ram} MiB`],
    ['Tags', image.tags.join(', ')],
    ['Created', utcTime(image.created_at)],
    ['Updated', utcTime(image.updated_at)],
    ...Object.entries(imageProperties(image)).map(([k, v]): [string, string] => [`Property ${k}`, v]),
  ], { ...image, location });
}

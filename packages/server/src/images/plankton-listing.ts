// Plankton's image lists (Synnefo's list_images): the filters and sort parameters it reads,
// checked as it checks them, over the records as Plankton shows them.
import { badRequest } from '../http/errors.ts';
import { scalar, type Query } from '../http/query.ts';
import type { ImageRow } from './store.ts';
import { planktonImage, type PlanktonImage } from './views.ts';

const FILTERS = ['name', 'container_format', 'disk_format', 'status'] as const;
const SORT_KEYS = ['id', 'name', 'status', 'size', 'disk_format', 'container_format', 'created_at', 'updated_at'];

/** Newest first unless `sort_key`/`sort_dir` say otherwise; other parameters are ignored, as in Synnefo. */
export function planktonList(rows: ImageRow[], query: Query): PlanktonImage[] {
  const sortKey = scalar(query, 'sort_key') ?? 'created_at';
  const sortDir = scalar(query, 'sort_dir') ?? 'desc';
  if (!SORT_KEYS.includes(sortKey)) throw badRequest('Invalid \'sort_key\'');
  if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest('Invalid \'sort_dir\'');
  const sizeMin = size(scalar(query, 'size_min'));
  const sizeMax = size(scalar(query, 'size_max'));
  const wanted = FILTERS.flatMap((key) => {
    const value = scalar(query, key);
    return value === undefined ? [] : [[key, value] as const];
  });
  const images = rows.map(planktonImage).filter((image) =>
    wanted.every(([key, value]) => image[key] === value)
    && (sizeMin === undefined || (image.size ?? 0) >= sizeMin)
    && (sizeMax === undefined || (image.size ?? 0) <= sizeMax));
  const order = sortDir === 'asc' ? 1 : -1;
  return images.sort((a, b) => {
    const x = a[sortKey as keyof PlanktonImage] ?? '';
    const y = b[sortKey as keyof PlanktonImage] ?? '';
    return (x < y ? -1 : x > y ? 1 : a.id.localeCompare(b.id)) * order;
  });
}

function size(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw badRequest('Malformed request.');
  return Number(raw);
}

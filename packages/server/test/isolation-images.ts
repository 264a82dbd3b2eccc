// Isolation attacks on images (Glance v2 at /image/v2, Plankton at /image/v1.0): B tries A's
// private image, the image A shares with C, and the one A registered from a file, and filters
// lists with A's ids. Another user's image that is not shared with them is 404, not 403.
import type { Attack } from './helpers/isolation.ts';

const GLANCE = '/image/v2/images';
const PLANKTON = '/image/v1.0';

/** Glance's attacks on one of A's images. */
const onImage = (image: string): Attack[] => [
  { method: 'GET', path: `${GLANCE}/${image}`, expect: 404 },
  { method: 'PATCH', path: `${GLANCE}/${image}`, headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' }, raw: '[{"op": "replace", "path": "/name", "value": "renamed-by-b"}]', expect: 404 },
  { method: 'PATCH', path: `${GLANCE}/${image}`, headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' }, raw: '[{"op": "replace", "path": "/visibility", "value": "public"}]', expect: 404 },
  { method: 'GET', path: `${GLANCE}/${image}/file`, expect: 404 },
  { method: 'PUT', path: `${GLANCE}/${image}/file`, headers: { 'content-type': 'application/octet-stream' }, raw: 'replaced by b', expect: 404 },
  { method: 'PUT', path: `${GLANCE}/${image}/tags/b-tag`, expect: 404 },
  { method: 'DELETE', path: `${GLANCE}/${image}/tags/{a.imageTag}`, expect: 404 },
  { method: 'GET', path: `${GLANCE}/${image}/members`, expect: 404 },
  { method: 'POST', path: `${GLANCE}/${image}/members`, body: { member: '{b.id}' }, expect: 404 },
  { method: 'GET', path: `${GLANCE}/${image}/members/{b.id}`, expect: 404 },
  { method: 'GET', path: `${GLANCE}/${image}/members/{c.id}`, expect: 404 },
  { method: 'PUT', path: `${GLANCE}/${image}/members/{b.id}`, body: { status: 'accepted' }, expect: 404 },
  { method: 'DELETE', path: `${GLANCE}/${image}/members/{c.id}`, expect: 404 },
  { method: 'POST', path: `${GLANCE}/${image}/actions/deactivate`, expect: 404 },
  { method: 'POST', path: `${GLANCE}/${image}/actions/reactivate`, expect: 404 },
  { method: 'DELETE', path: `${GLANCE}/${image}`, expect: 404 },
];

export const imageAttacks: Attack[] = [
  { method: 'GET', path: '/image', expect: 300 },
  { method: 'GET', path: '/image/versions', expect: 300 },
  { method: 'GET', path: '/image/v2', expect: 300 },
  { method: 'GET', path: GLANCE, expect: 200 },
  { method: 'GET', path: `${GLANCE}?visibility=all&member_status=all`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?visibility=private`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?visibility=shared&member_status=all`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?owner={a.id}`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?name={a.imageName}`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?id=in:{a.image},{a.sharedImage}`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?tag={a.imageTag}`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?alpha_property={a.imageProp}`, expect: 200 },
  { method: 'GET', path: `${GLANCE}?marker={a.image}`, expect: 400 },
  { method: 'GET', path: `${GLANCE}?checksum=x&size_min=0`, expect: 200 },
  { method: 'GET', path: '/image/v2/schemas/image', expect: 200 },
  { method: 'GET', path: '/image/v2/schemas/images', expect: 200 },
  { method: 'GET', path: '/image/v2/schemas/member', expect: 200 },
  { method: 'GET', path: '/image/v2/schemas/members', expect: 200 },
  ...onImage('{a.image}'),
  ...onImage('{a.sharedImage}'),
  ...onImage('{a.plankton}'),
  // Glance refuses a taken id whoever holds it; ids are random UUIDs.
  { method: 'POST', path: GLANCE, body: { id: '{a.image}', name: 'b-image', disk_format: 'raw', container_format: 'bare' }, expect: 409, oracle: 'Glance answers 409 for an image id in use, as Glance does' },

  { method: 'GET', path: `${PLANKTON}/images`, expect: 200 },
  { method: 'GET', path: `${PLANKTON}/images/`, expect: 200 },
  { method: 'GET', path: `${PLANKTON}/images/detail`, expect: 200 },
  { method: 'POST', path: `${PLANKTON}/images/`, headers: { 'x-image-meta-location': 'pithos://{a.id}/{a.privateContainer}/{a.disk}', 'x-image-meta-name': 'b-stolen' }, expect: 403 },
  // Registering A's file as B's image.
  { method: 'POST', path: `${PLANKTON}/images`, headers: { 'x-image-meta-location': 'pithos://{a.id}/{a.privateContainer}/{a.disk}', 'x-image-meta-name': 'b-stolen' }, expect: 403 },
  { method: 'POST', path: `${PLANKTON}/images`, headers: { 'x-image-meta-location': 'pithos://{a.id}/{a.container}/{a.sharedObject}', 'x-image-meta-name': 'b-stolen' }, expect: 403 },
  { method: 'HEAD', path: `${PLANKTON}/images/{a.plankton}`, expect: 404 },
  { method: 'HEAD', path: `${PLANKTON}/images/{a.image}`, expect: 404 },
  { method: 'PUT', path: `${PLANKTON}/images/{a.plankton}`, headers: { 'x-image-meta-name': 'renamed-by-b', 'x-image-meta-is-public': 'true' }, expect: 404 },
  { method: 'GET', path: `${PLANKTON}/images/{a.plankton}/members`, expect: 404 },
  { method: 'PUT', path: `${PLANKTON}/images/{a.plankton}/members`, body: { memberships: [{ member_id: '{b.id}' }] }, expect: 404 },
  { method: 'PUT', path: `${PLANKTON}/images/{a.plankton}/members/{b.id}`, expect: 404 },
  { method: 'DELETE', path: `${PLANKTON}/images/{a.sharedImage}/members/{c.id}`, expect: 404 },
  { method: 'DELETE', path: `${PLANKTON}/images/{a.plankton}`, expect: 404 },
  { method: 'GET', path: `${PLANKTON}/shared-images/{a.id}`, expect: 403 },
  { method: 'GET', path: `${PLANKTON}/shared-images/{c.id}`, expect: 403 },
];

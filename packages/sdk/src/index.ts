export { OceanosClient, type ClientOptions } from './oceanos-client.ts';
export { ApiError, type ApiErrorDetails, type ErrorKind } from './api-error.ts';
export { HttpTransport, type Fetch, type HttpResponse, type RawRequestOptions, type RequestOptions, type TransportOptions } from './http-transport.ts';
export { IdentityApi, type PasswordCredentials, type RenewedToken, type Session } from './identity-api.ts';
export { UsersApi, type NewUser, type UserPatch } from './users-api.ts';
export { AccountApi, type UserQuotas } from './account-api.ts';
export { CommissionsApi } from './commissions-api.ts';
export { hashFile, type FileHashmap, type HashFileOptions } from './file-hasher.ts';
export { StorageApi, encodeObjectName, type ListOptions, type ObjectListOptions, type ObjectRef, type ObjectVersion, type WriteOptions } from './storage-api.ts';
export {
  isSubdir, parseSharing, formatSharing,
  type AccountInfo, type ContainerEntry, type ContainerInfo, type ListingEntry, type Metadata, type ObjectEntry, type ObjectHashmap,
  type ObjectInfo, type Sharing, type SharingAccount, type SubdirEntry, type Versioning,
} from './storage-types.ts';
export { type UploadOptions, type UploadResult } from './storage-upload.ts';
export { partPath, type DownloadOptions, type DownloadResult } from './storage-download.ts';
export { ImageApi, type ImageAttributes, type ImageChanges, type ImageListOptions, type NewImage, type PatchOperation } from './image-api.ts';
export { type RegisterOptions } from './image-plankton.ts';
export { type ImageDownloadResult, type ImageTransferOptions } from './image-transfer.ts';
export {
  imageProperties, parseLocation, type Image, type ImageMember, type MemberStatus, type PithosLocation, type RegisteredImage, type Visibility,
} from './image-types.ts';
export { TransferError, type ProgressCallback, type TransferProgress } from './transfer.ts';
export { ServersApi } from './servers-api.ts';
export { FlavorsApi } from './flavors-api.ts';
export { KeypairsApi } from './keypairs-api.ts';
export { WaitTimeoutError, describeState, type WaitOptions } from './server-wait.ts';
export { AmbiguousNameError } from './name-lookup.ts';
export { SERVER_STATUSES } from '@oceanos/contract';
export {
  type CapacityReport, type Flavor, type FlavorAccess, type Keypair, type Link, type NewFlavor, type NewServer, type PersonalityEntry, type RebootType, type ReconcileReport,
  type RemoteConsole, type Server, type ServerCreated, type ServerFault, type ServerListOptions, type ServerStatus, type ServerSummary,
} from './compute-types.ts';

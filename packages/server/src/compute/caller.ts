// Who is asking, as compute sees it: the user, the project their token is scoped to (their
// system project when unscoped), which pays for what they create, and whether they are admin.
import { tokenHash } from '../identity/secrets.ts';
import type { AuthContext } from '../identity/service.ts';

export interface ComputeCaller {
  userId: string;
  projectId: string;
  admin: boolean;
  /** The hash of the caller's login token (a console lives only as long as it is valid). */
  tokenHash?: string;
}

export const computeCaller = (auth: AuthContext): ComputeCaller => ({
  userId: auth.user.id,
  projectId: auth.project?.id ?? auth.user.defaultProjectId,
  admin: auth.user.isAdmin,
  tokenHash: tokenHash(auth.token),
});

// An interaction uid in `/interaction/<uid>` is also the value of the `_interaction` cookie, and
// ids in general say nothing an operator needs: segments that look like generated ids (16+ word
// characters with a digit or a capital, as nanoid and UUIDs are; or all digits) become `:id`.
// One pass over the path (a segment is what lies between slashes), as it runs on every request.
const OPAQUE_SEGMENT = /(?<=^|\/)(?:(?=[\w-]*[\dA-Z])[\w-]{16,}|\d+)(?=\/|$)/g;

/**
 * A request path fit for logs and metric labels: opaque ids masked, nothing else changed.
 *
 * @example
 *   loggablePath('/interaction/Xb3kq0ZP1mN7aRt9uVw2y/login'); // '/interaction/:id/login'
 */
export function loggablePath(path: string): string {
  return path.replace(OPAQUE_SEGMENT, ':id');
}

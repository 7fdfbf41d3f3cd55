const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a syntactically valid row id (a UUID): anything else is "not found", never a database
 * error (PostgreSQL throws on a `uuid` column compared with text that is not one). Both services
 * check ids that come from a request, a cookie or a token before they reach a query.
 *
 * @example
 *   if (!isId(ctx.params.id)) throw portalErrors.notFound();
 */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

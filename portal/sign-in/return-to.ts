/** Post-login return URLs are same-origin paths only (no `//host`, no `/\host`, no scheme). */
export function safeReturnTo(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  )
    return '/';
  return /[\p{Cc}\\]/u.test(value) ? '/' : value;
}

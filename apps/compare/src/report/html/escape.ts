// Text from strategies and scenarios (a user's file names its own strategy, and a fault message
// quotes whatever it likes) goes into the page only through these.

/** Text for an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A value as JSON inside a `<script type="application/json">`: `<` escaped so that no string can
 * close the script element (`</script>`) or open a comment, which JSON.parse reads back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A script's source inside `<script>`: the only sequence that could end it early, `</script`, is broken up (`<\/script` means the same in JavaScript strings and regular expressions). */
export function scriptSource(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

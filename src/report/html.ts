/**
 * HTML built with a tagged template that escapes every interpolated value unless it is already
 * `SafeHtml`: forgetting to escape a model name or an error message would need an explicit `raw()`.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A value the `html` tag may interpolate: text is escaped, SafeHtml is kept, lists are concatenated. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Marks markup this module built itself as safe; never pass it data. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toMarkup(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Text with a line-break opportunity (<wbr>) after each separator of ids, paths, URLs and dotted
 * names (/ . _ - : = @ , & ?), so a long one wraps between its parts, never in the middle of a word.
 */
export function breakable(text: string): SafeHtml {
  return html`${text.split(/(?<=[./_\-:=@,&?])(?![./_\-:=@,&?])/).map((part, i) => (i === 0 ? part : html`<wbr>${part}`))}`;
}

function toMarkup(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((v: HtmlValue) => toMarkup(v)).join('');
  return escapeHtml(String(value));
}

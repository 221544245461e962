import { formatCount } from './format.js';
import { breakable, html, type HtmlValue, type SafeHtml } from './html.js';

/** A label and its value; rows whose value is undefined are left out. */
export type Fact = readonly [label: string, value: HtmlValue];

export function renderFacts(facts: readonly Fact[]): SafeHtml {
  const shown = facts.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return html`<dl class="facts">${shown.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

export function code(text: string | undefined): SafeHtml | undefined {
  return text === undefined ? undefined : html`<code>${breakable(text)}</code>`;
}

/**
 * An MLflow run id (32 hex digits) as its first 8, on one line; the full id is in its title (hover)
 * and data-id, and in full once, in the report's header. Other ids are shown whole, unbroken.
 */
export function idCode(id: string): SafeHtml {
  return html`<code class="id" title="${id}" data-id="${id}">${shortId(id)}</code>`;
}

/** An MLflow run id (32 hex digits) as its first 8 and an ellipsis; any other id as it is. */
export function shortId(id: string): string {
  return /^[0-9a-f]{32}$/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

/** A full id, to read or copy: never wrapped; on a screen too narrow for it, it scrolls inside its box. */
export function fullIdCode(id: string): SafeHtml {
  return html`<code class="id id-full" data-id="${id}">${id}</code>`;
}

/**
 * Facts for the scalar fields of a stage summary that the report does not know by name, so a field
 * another stage version adds (e.g. files_quarantined) is shown rather than silently dropped.
 */
export function extraFacts(summary: object, known: readonly string[]): Fact[] {
  const facts: Fact[] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (known.includes(key)) continue;
    const label = key.replace(/_/g, ' ');
    if (typeof value === 'number') facts.push([label, formatCount(value)]);
    else if (typeof value === 'string') facts.push([label, value]);
    else if (typeof value === 'boolean') facts.push([label, value ? 'yes' : 'no']);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) facts.push([label, value.join(', ')]);
  }
  return facts;
}

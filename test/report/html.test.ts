import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, SafeHtml } from '../../src/report/html.js';

describe('html tagged template', () => {
  it('escapes the five markup characters in interpolated text', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    const name = '<script>alert(1)</script>';
    expect(html`<p title="${name}">${name}</p>`.value).toBe('<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('keeps SafeHtml and joins lists, escaping each item', () => {
    const items = ['a&b', html`<b>${'<i>'}</b>`];
    const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.value).toBe('<ul><li>a&amp;b</li><li><b>&lt;i&gt;</b></li></ul>');
  });

  it('renders nothing for undefined, null and false, and numbers as text', () => {
    expect(html`[${undefined}${null}${false}${0}${1.5}]`.value).toBe('[01.5]');
  });

  it('passes raw markup through unchanged', () => {
    expect(html`<style>${raw('a > b { color: red }')}</style>`.value).toBe('<style>a > b { color: red }</style>');
    expect(String(raw('<hr>'))).toBe('<hr>');
  });
});

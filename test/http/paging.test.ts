import { describe, expect, it } from 'vitest';
import { allPages, pagedItems, pages } from '../../src/http/paging.js';

function book(contents: string[][]): (token: string | undefined) => Promise<{ items: string[]; nextPageToken?: string }> {
  return async (token) => {
    const index = token === undefined ? 0 : Number(token);
    return { items: contents[index]!, ...(index + 1 < contents.length ? { nextPageToken: String(index + 1) } : {}) };
  };
}

describe('pages', () => {
  it('walks every page in order, starting without a token, until a page has none (or an empty one)', async () => {
    const asked: (string | undefined)[] = [];
    const fetchPage = book([['a', 'b'], [], ['c']]);
    const seen: string[][] = [];
    for await (const page of pages(async (token) => (asked.push(token), fetchPage(token)))) seen.push([...page.items]);
    expect(seen).toEqual([['a', 'b'], [], ['c']]);
    expect(asked).toEqual([undefined, '1', '2']);
    expect(await allPages(async () => ({ items: [1], nextPageToken: '' }))).toEqual([1]);
  });

  it('yields items one at a time and stops fetching when the caller stops', async () => {
    let fetched = 0;
    const fetchPage = book([['a'], ['b'], ['c']]);
    for await (const item of pagedItems(async (token) => (fetched++, fetchPage(token)))) if (item === 'b') break;
    expect(fetched).toBe(2);
  });

  it('stops a server that hands out the same token again, naming the listing', async () => {
    await expect(allPages(async () => ({ items: [1], nextPageToken: 'same' }), { what: 'Files API listing of /Volumes/c/s/v' })).rejects.toThrow(
      'Files API listing of /Volumes/c/s/v returned the page token it was given again: the server is looping; stopped after 2 pages',
    );
  });

  it('stops with ABORTED between pages when the signal fires', async () => {
    const controller = new AbortController();
    const iterator = pages(book([['a'], ['b']]), { signal: controller.signal });
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

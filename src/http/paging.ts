import { MlopsError, throwIfAborted } from '../errors.js';
import { pushAll } from '../arrays.js';

/** One page of a listing and the token of the next, undefined (or '') on the last page. */
export interface Page<T> {
  items: readonly T[];
  nextPageToken?: string | undefined;
}

export interface PagingOptions {
  signal?: AbortSignal;
  /** Names the listing in the error raised when a server hands out the same page token twice. */
  what?: string;
}

/**
 * Every page of a token-paged listing, in order, for `for await`: `fetchPage` is called with
 * undefined first, then with each next_page_token until a page has none. Transport-agnostic: the
 * MLflow, Databricks and Files API listings (and any gRPC one) fit it. A server that repeats a
 * token would loop forever; that is an error naming the listing instead.
 */
export async function* pages<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>, options: PagingOptions = {}): AsyncGenerator<Page<T>, void, undefined> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    throwIfAborted(options.signal);
    const page = await fetchPage(token);
    yield page;
    token = page.nextPageToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new MlopsError('HTTP', `${options.what ?? 'A paged listing'} returned the page token it was given again: the server is looping; stopped after ${seen.size + 1} pages`, {
          details: { pages: seen.size + 1 },
        });
      }
      seen.add(token);
    }
  } while (token !== undefined);
}

/** The items of every page, one at a time. */
export async function* pagedItems<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>, options: PagingOptions = {}): AsyncGenerator<T, void, undefined> {
  for await (const page of pages(fetchPage, options)) yield* page.items;
}

/** The items of every page, in one array. */
export async function allPages<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>, options: PagingOptions = {}): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages(fetchPage, options)) pushAll(items, page.items);
  return items;
}

/**
 * `AppKey<T>`: a typed key for application state, as aiohttp's `web.AppKey`.
 * @module
 */

/**
 * A key whose value type is `T`, so `app.get(key)` is typed.
 * @example
 * const dbKey = new AppKey<Database>('db');
 * app.set(dbKey, db);
 * const db = app.get(dbKey); // Database
 */
export class AppKey<T> {
  /** The name shown in errors and logs. */
  readonly name: string;
  // Carries T so that AppKey<string> and AppKey<number> are distinct types.
  declare readonly _type: T;

  constructor(name: string) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`AppKey(): name must be a non-empty string, got ${typeof name === 'string' ? 'an empty string' : typeof name}`);
    this.name = name;
  }

  toString(): string {
    return `<AppKey(${this.name})>`;
  }
}

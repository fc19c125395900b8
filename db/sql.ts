/**
 * The one way to build dynamic SQL in db/: conditions are composed as text with placeholders
 * from a Params collector, values travel separately, never spliced into the statement.
 */

/**
 * Collects parameters so conditions can be composed without ever splicing a value into SQL.
 * Every use casts its placeholder, so the same conditions also work with SettingParams.
 */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return this.placeholder(this.values.length);
  }
  protected placeholder(n: number): string {
    return `$${n}`;
  }
}

/**
 * Parameters for a statement that takes no bind parameters (COPY): each value becomes a
 * transaction-local setting, set by one parameterized statement (`setStatement`, with `values`)
 * and read back as text by current_setting, so values are still never spliced into SQL.
 */
export class SettingParams extends Params {
  protected placeholder(n: number): string {
    return `current_setting('svidetel.param_${n}')`;
  }
  setStatement(): string {
    return `SELECT ${this.values.map((_, i) => `set_config('svidetel.param_${i + 1}', $${i + 1}::text, true)`).join(', ')}`;
  }
}

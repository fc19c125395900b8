import NodeEnvironment from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { dropDatabases, fileDatabaseName } from './databases';

/**
 * Node's test environment, plus the name of the file's own database (TEST_FILE_DATABASE, created on
 * first use by testDatabaseUrl) and its removal, with any made by freshDatabaseUrl, after the file's
 * last afterAll: a run leaves no database behind per file, however many files it has.
 */
export default class FileDatabaseEnvironment extends NodeEnvironment {
  private readonly database: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.database = fileDatabaseName(context.testPath);
    (this.global.process as NodeJS.Process).env.TEST_FILE_DATABASE = this.database;
  }

  override async teardown(): Promise<void> {
    await dropDatabases(this.database);
    await super.teardown();
  }
}

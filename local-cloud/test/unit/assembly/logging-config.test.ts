/** A function's LoggingConfig as the template gives it, checked as Lambda's API checks it. */
import { describe, expect, it } from 'vitest';
import { readLoggingConfig } from '../../../assembly/logging-config';

describe('readLoggingConfig', () => {
  it('says which LoggingConfig value is wrong, and where', () => {
    expect(() => readLoggingConfig({ LogFormat: 'JSON', ApplicationLogLevel: 'LOUD' }, 'Fn')).toThrow(
      "Fn.LoggingConfig.ApplicationLogLevel: 'LOUD' is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL",
    );
    // The system level takes only three of the six (API_LoggingConfig).
    expect(() => readLoggingConfig({ LogFormat: 'JSON', SystemLogLevel: 'ERROR' }, 'Fn')).toThrow(
      "Fn.LoggingConfig.SystemLogLevel: 'ERROR' is not one of DEBUG, INFO, WARN",
    );
    expect(() => readLoggingConfig({ LogFormat: 'XML' }, 'Fn')).toThrow("Fn.LoggingConfig.LogFormat: 'XML' is not Text or JSON");
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../../src/workspace/databricks/config-file.js';

describe('parseConfigFile', () => {
  it('reads profiles, ignores comments and keeps = inside values', () => {
    const profiles = parseConfigFile(
      ['# a comment', '[DEFAULT]', 'host = https://adb-1.azuredatabricks.net', '', '; other comment', '[hp-mlops]', 'HOST=https://adb-2.azuredatabricks.net/', 'token = dapi123=45'].join('\n'),
      '~/.databrickscfg',
    );
    expect(profiles.get('DEFAULT')).toEqual({ host: 'https://adb-1.azuredatabricks.net' });
    expect(profiles.get('hp-mlops')).toEqual({ host: 'https://adb-2.azuredatabricks.net/', token: 'dapi123=45' });
  });

  it('puts keys before the first section into DEFAULT, as the SDKs do', () => {
    expect(parseConfigFile('host = https://h\r\n[x]\r\ntoken = t', 'f').get('DEFAULT')).toEqual({ host: 'https://h' });
  });

  it('names the file and line of a malformed line without echoing it', () => {
    let message = '';
    try {
      parseConfigFile('[p]\ndapiSECRETVALUE', '/home/u/.databrickscfg');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('/home/u/.databrickscfg line 2');
    expect(message).not.toContain('dapiSECRETVALUE');
  });
});

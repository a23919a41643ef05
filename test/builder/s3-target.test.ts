/** `--target r2://BUCKET[/PREFIX]`, the endpoint and the credentials (pure), and openStore's TargetError. */
import { describe, expect, it } from 'vitest';
import { openStore, TargetError } from '../../builder/src/publish/open-store';
import { parseR2Target, resolveEndpoint, resolveS3Connection } from '../../builder/src/publish/s3/r2-target';

const CREDENTIALS = { R2_ACCESS_KEY_ID: 'key-id', R2_SECRET_ACCESS_KEY: 'secret' };

describe('parseR2Target', () => {
  it('reads the bucket and an optional prefix, without surrounding slashes', () => {
    expect(parseR2Target('r2://telemetry-aggregates')).toEqual({ ok: true, value: { bucket: 'telemetry-aggregates', prefix: '' } });
    expect(parseR2Target('r2://telemetry-aggregates/')).toEqual({ ok: true, value: { bucket: 'telemetry-aggregates', prefix: '' } });
    expect(parseR2Target('r2://abc/staging/2017/')).toEqual({ ok: true, value: { bucket: 'abc', prefix: 'staging/2017' } });
    expect(parseR2Target('r2://abc//staging')).toEqual({ ok: true, value: { bucket: 'abc', prefix: 'staging' } });
  });

  it('refuses what is not an R2 bucket name or a usable prefix', () => {
    for (const target of [
      'r2://',
      'r2:///prefix',
      'r2://ab',
      'r2://Upper',
      'r2://-abc',
      'r2://abc-',
      'r2://a_b',
      `r2://${'a'.repeat(64)}`,
    ]) {
      expect(parseR2Target(target).ok, target).toBe(false);
    }
    for (const target of ['r2://abc/a//b', 'r2://abc/./b', 'r2://abc/a/..']) {
      expect(parseR2Target(target).ok, target).toBe(false);
    }
    expect(parseR2Target('s3://abc').ok).toBe(false);
  });
});

describe('resolveEndpoint', () => {
  it('prefers --endpoint, then R2_ENDPOINT, then the account endpoint', () => {
    const env = { R2_ENDPOINT: 'http://127.0.0.1:9000/', R2_ACCOUNT_ID: 'acc123' };
    expect(resolveEndpoint('https://s3.example.test/base/', env)).toEqual({ ok: true, value: 'https://s3.example.test/base' });
    expect(resolveEndpoint(undefined, env)).toEqual({ ok: true, value: 'http://127.0.0.1:9000' });
    expect(resolveEndpoint(undefined, { R2_ACCOUNT_ID: 'acc123' })).toEqual({ ok: true, value: 'https://acc123.r2.cloudflarestorage.com' });
    expect(resolveEndpoint('', { R2_ENDPOINT: ' ', R2_ACCOUNT_ID: 'acc123' })).toEqual({
      ok: true,
      value: 'https://acc123.r2.cloudflarestorage.com',
    });
  });

  it('says what is missing or wrong', () => {
    const none = resolveEndpoint(undefined, {});
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.message).toMatch(/R2_ACCOUNT_ID.*--endpoint/);
    for (const bad of ['not a url', 'ftp://host', 'http://host/?x=1', 'http://user:pw@host'])
      expect(resolveEndpoint(bad, {}).ok, bad).toBe(false);
    expect(resolveEndpoint(undefined, { R2_ACCOUNT_ID: 'a.b/c' }).ok).toBe(false);
  });
});

describe('resolveS3Connection', () => {
  it('combines target, endpoint and credentials', () => {
    expect(resolveS3Connection('r2://bucket/p', { endpoint: 'http://127.0.0.1:1', env: CREDENTIALS })).toEqual({
      ok: true,
      value: { bucket: 'bucket', prefix: 'p', endpoint: 'http://127.0.0.1:1', accessKeyId: 'key-id', secretAccessKey: 'secret' },
    });
  });

  it('names both credential variables, and which are missing', () => {
    const result = resolveS3Connection('r2://bucket', { env: { R2_ACCOUNT_ID: 'acc', R2_ACCESS_KEY_ID: 'key-id' } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY');
      expect(result.message).toMatch(/missing: R2_SECRET_ACCESS_KEY$/);
    }
  });
});

describe('openStore with r2:// targets', () => {
  it('throws TargetError (exit status 2) without credentials, before any request', async () => {
    const opening = openStore('r2://bucket/prefix', { endpoint: 'http://127.0.0.1:9', env: {} });
    await expect(opening).rejects.toBeInstanceOf(TargetError);
    await expect(opening).rejects.toThrow(/R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/);
  });

  it('refuses --endpoint with another target', async () => {
    await expect(openStore('dir:/tmp/x', { endpoint: 'http://127.0.0.1:9', env: CREDENTIALS })).rejects.toBeInstanceOf(TargetError);
  });
});

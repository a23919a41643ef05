/** format=csv (worker/src/export/csv.ts). */
import { describe, expect, it } from 'vitest';
import { csvContentDisposition, csvFileName, dataToCsv, exportFileName } from '../../../worker/src/export/csv';
import { withStats } from '../../../worker/src/stats/data-rows';

const rows = [
  { date: '20170120', label: '', histogram: [1, 2], count: 3, sum: 40 },
  { date: '20170121', label: 'a,"b"', histogram: [0, 5], count: 1, sum: 2n ** 60n },
];

describe('dataToCsv', () => {
  it('writes one row per date, label and bucket under a header, RFC 4180 quoting, CRLF', () => {
    expect(dataToCsv({ buckets: [0, 10], data: rows })).toBe(
      [
        'date,label,bucket_index,bucket,value,count,sum',
        '20170120,,0,0,1,3,40',
        '20170120,,1,10,2,3,40',
        '20170121,"a,""b""",0,0,0,1,1152921504606846976',
        '20170121,"a,""b""",1,10,5,1,1152921504606846976',
        '',
      ].join('\r\n'),
    );
  });

  it('adds samples and each statistic per entry with stats', () => {
    const data = withStats([rows[0]!], { kind: 'linear', buckets: [0, 10] }, ['mean', 'p50']);
    expect(dataToCsv({ buckets: [0, 10], data }, ['mean', 'p50']).split('\r\n')).toEqual([
      'date,label,bucket_index,bucket,value,count,sum,samples,mean,p50',
      '20170120,,0,0,1,3,40,3,13.3333333333,12.5',
      '20170120,,1,10,2,3,40,3,13.3333333333,12.5',
      '',
    ]);
  });

  it('adds a proportion column for proportion kinds, leaves null statistics and missing labels empty', () => {
    const data = withStats([{ date: '20170120', label: '', histogram: [1, 3, 0], count: 2, sum: 3 }], { kind: 'flag', buckets: [0, 1] }, [
      'p50',
    ]);
    expect(dataToCsv({ buckets: [0, 1], data }, ['p50']).split('\r\n')).toEqual([
      'date,label,bucket_index,bucket,value,count,sum,samples,p50,proportion',
      '20170120,,0,0,1,2,3,4,,0.25',
      '20170120,,1,1,3,2,3,4,,0.75',
      '20170120,,2,,0,2,3,4,,0',
      '',
    ]);
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    const csv = dataToCsv({
      buckets: ['=cmd', 'spill'],
      data: [{ date: '20170120', label: '@SUM(A1)', histogram: [1, 0], count: 1, sum: 0 }],
    });
    expect(csv.split('\r\n')[1]).toBe("20170120,'@SUM(A1),0,'=cmd,1,1,0");
  });
});

describe('csvFileName', () => {
  it('names the metric, channel, version, prefix and date range, safely', () => {
    expect(
      csvFileName({
        metric: 'GC_MS',
        channel: 'nightly',
        version: '54',
        prefix: 'submission_date',
        dates: ['20170121', '20170115', '20170120'],
      }),
    ).toBe('GC_MS_nightly_54_submission_date_20170115-20170121.csv');
    expect(csvFileName({ metric: 'SCALARS_A.B', channel: 'beta', version: '54', prefix: 'build_id', dates: ['20170115'] })).toBe(
      'SCALARS_A.B_beta_54_build_id_20170115.csv',
    );
    expect(csvFileName({ metric: 'x"; evil=1/..\\', channel: 'n', version: '1', prefix: 'build_id', dates: ['1'] })).toBe(
      'x_evil_1_..__n_1_build_id_1.csv',
    );
    expect(csvContentDisposition('a.csv')).toBe('attachment; filename="a.csv"');
    expect(
      exportFileName({ metric: 'GC_MS', channel: 'nightly', version: '54', prefix: 'build_id', dates: ['20170121', '20170115'] }, 'json'),
    ).toBe('GC_MS_nightly_54_build_id_20170115-20170121.json');
  });
});

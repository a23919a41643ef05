/** YYYYMMDD dates: their form, calendar checks and day arithmetic (both sides use them). */
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dateOfDayNumber,
  dayNumber,
  isCalendarDate,
  isYyyymmdd,
  lastDayOfMonth,
  periodOf,
  todayUtc,
} from '../../worker/src/core/calendar-date';

describe('calendar dates', () => {
  it('tells the YYYYMMDD form from calendar days', () => {
    for (const text of ['20170130', '20170229', '20171301', '00000000']) expect([text, isYyyymmdd(text)]).toEqual([text, true]);
    for (const text of ['2017013', '201701300', '2017-01-30', ' 20170130', '2017013a', '']) {
      expect([text, isYyyymmdd(text)]).toEqual([text, false]);
    }
    expect(['20170130', '20160229', '20001231'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(['20170229', '21000229', '20171301', '20170100', '20170431', '2017-01-30'].map(isCalendarDate)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('gives the month period of a date', () => {
    expect(periodOf('20170130')).toBe('201701');
  });

  it('counts days from 1970-01-01 and back', () => {
    expect(dayNumber('19700101')).toBe(0);
    expect(dayNumber('20170130')).toBe(17196);
    expect(dateOfDayNumber(17196)).toBe('20170130');
    expect(dateOfDayNumber(-1)).toBe('19691231');
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('20160228', 1)).toBe('20160229');
    expect(addDays('20170228', 1)).toBe('20170301');
    expect(addDays('20170101', -1)).toBe('20161231');
    expect(addDays('20170305', -730)).toBe('20150306');
  });

  it('knows the last day of a month', () => {
    expect(['201601', '201602', '201702', '201704', '201712'].map(lastDayOfMonth)).toEqual([
      '20160131',
      '20160229',
      '20170228',
      '20170430',
      '20171231',
    ]);
  });

  it('formats today in UTC', () => {
    expect(todayUtc(new Date(Date.UTC(2017, 0, 30, 23, 59)))).toBe('20170130');
  });
});

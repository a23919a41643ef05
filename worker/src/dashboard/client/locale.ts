/**
 * A locale every Intl constructor accepts (pure). Browsers may report a POSIX locale as their
 * language (headless Chromium under LANG=C.UTF-8 says `en-US@posix`), on which
 * `new Intl.NumberFormat(navigator.language)` throws a RangeError.
 */

export const FALLBACK_LOCALE = 'en-US';

function canonical(tag: string): string | undefined {
  try {
    const [locale] = Intl.getCanonicalLocales(tag);
    if (locale === undefined) return undefined;
    new Intl.NumberFormat(locale);
    return locale;
  } catch {
    return undefined;
  }
}

/**
 * `tag` when it is a valid BCP 47 language tag; else its POSIX form made one (`en_US.UTF-8@euro`
 * and `en-US@posix` give `en-US`); else (also for `C` and `POSIX`) `fallback`.
 */
export function validLocale(tag: string | null | undefined, fallback = FALLBACK_LOCALE): string {
  const language = tag?.split(/[.@]/)[0]?.replace(/_/g, '-') ?? '';
  // The POSIX locales C and POSIX name no language (Intl would take "posix" for one).
  if (!tag || /^(c|posix)$/i.test(language)) return fallback;
  return canonical(tag) ?? (language ? canonical(language) : undefined) ?? fallback;
}

import { NativeSelect, type NativeSelectProps } from '@mantine/core';
import { ENDONYMS, LANGUAGES } from '../i18n/languages';

/** LanguageSelect picks one of the UI's languages (a native select: keyboard and screen-reader friendly). */
export function LanguageSelect(props: Omit<NativeSelectProps, 'data'>) {
  return <NativeSelect {...props} data={LANGUAGES.map((l) => ({ value: l, label: ENDONYMS[l] }))} />;
}

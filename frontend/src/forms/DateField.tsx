// DateField: a date typed and shown in the clinic's format (DD/MM/YYYY unless the clinic chose
// another), with a calendar in the user's language (DatesProvider's locale), whatever the
// browser's language or clock zone. Its value is ISO (YYYY-MM-DD, '' for none), as the API
// takes it; the hidden input named `name` carries it too. min and max only grey the days out of
// range in the calendar: a day typed out of range still reaches the form's and the server's
// validation, which say why it is refused (a date field that silently drops it would not).
import { DateInput, type DateInputProps } from '@mantine/dates';
import { useTranslation } from 'react-i18next';
import { dateInputFormat, isIso, parseDateInput } from './dates';

export type DateFieldProps = Omit<DateInputProps, 'value' | 'defaultValue' | 'onChange' | 'valueFormat' | 'dateParser' | 'minDate' | 'maxDate'> & {
  value?: string | null;
  onChange?: (iso: string) => void;
  /** the first day offered in the calendar (YYYY-MM-DD) */
  min?: string;
  /** the last day offered in the calendar (YYYY-MM-DD) */
  max?: string;
};

export function DateField({ value, onChange, min, max, name, required, ...rest }: DateFieldProps) {
  const { t } = useTranslation();
  const format = dateInputFormat();
  const placeholder = format.replace('DD', t('dates.day')).replace('MM', t('dates.month')).replace('YYYY', t('dates.year'));
  return (
    <DateInput
      placeholder={placeholder}
      {...rest}
      name={name}
      data-date={name}
      required={required}
      clearable={!required}
      value={value && isIso(value) ? value : null}
      onChange={(v) => onChange?.(v ?? '')}
      valueFormat={format}
      dateParser={(text) => parseDateInput(text, format)}
      getDayProps={(day) => ({ disabled: (!!min && day < min) || (!!max && day > max) })}
    />
  );
}

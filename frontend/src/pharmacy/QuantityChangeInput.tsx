// QuantityChangeInput: the signed quantity of a stock adjustment (received +, used or lost -),
// its hint saying what is in stock now; a medication's and a supply's adjustment use it.
import { NumberInput, type NumberInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function QuantityChangeInput({ current, ...input }: { current: number } & NumberInputProps) {
  const { t } = useTranslation();
  return (
    <NumberInput
      label={t('pharmacy.quantityChange')}
      description={t('pharmacy.quantityChangeHint', { n: current })}
      name="quantity_change"
      allowDecimal={false}
      required
      data-autofocus
      {...input}
    />
  );
}

// The checks the pharmacy's forms run before sending: an amount of money, a quantity.
import { useTranslation } from 'react-i18next';
import { readAmount } from '../billing/money';
import { moneyProblem, quantityProblem } from './stock';

export function useMoneyCheck() {
  const { t, i18n } = useTranslation();
  return (v: string) => {
    const p = moneyProblem(readAmount(v, i18n.language));
    return p ? t(`pharmacy.money.${p}`) : null;
  };
}

export function useQuantityCheck(allowNegative = false) {
  const { t } = useTranslation();
  return (v: number | string) => {
    const p = quantityProblem(v, allowNegative);
    return p ? t(`pharmacy.quantity.${p}`) : null;
  };
}

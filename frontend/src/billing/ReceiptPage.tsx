// ReceiptPage: the printable receipt of a bill, for its latest payment or ?payment=: clinic
// header, lines, payments, balance, cashier and receipt number; laid out for an 80 mm thermal
// roll or an A4 sheet (the choice is remembered on this computer). The page's @page rule
// follows the layout, so the browser's print dialog gets the right paper.
import { Button, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconArrowLeft, IconFileTypePdf, IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Receipt } from '../api/types';
import { formatDateTime, formatMoney } from '../i18n/format';
import { PdfButton } from '../shell/PdfButton';
import { useReceipt } from './queries';
import { pageRule, type ReceiptLayout } from './receiptLayout';
import './receipt.css';
import { QueryError } from '../shell/PageState';

const LAYOUT_KEY = 'chelal.receiptLayout';

function savedLayout(): ReceiptLayout {
  try {
    return localStorage.getItem(LAYOUT_KEY) === 'a4' ? 'a4' : '80mm';
  } catch {
    return '80mm';
  }
}


export function ReceiptPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const [params] = useSearchParams();
  const payment = Number(params.get('payment')) || undefined;
  const receipt = useReceipt(id, payment);
  const [layout, setLayout] = useState<ReceiptLayout>(savedLayout);
  useDocumentTitle(`${t('billing.receipt')} · Chelal`);

  function choose(v: string) {
    const l: ReceiptLayout = v === 'a4' ? 'a4' : '80mm';
    setLayout(l);
    try {
      localStorage.setItem(LAYOUT_KEY, l);
    } catch {
      // only a preference
    }
  }

  return (
    <Stack>
      <style>{pageRule(layout)}</style>
      <Group className="no-print" justify="space-between">
        <Button component={Link} to={`/billing/${id}`} variant="subtle" leftSection={<IconArrowLeft size={16} />}>
          {t('billing.backToBill')}
        </Button>
        <Group>
          <SegmentedControl
            value={layout}
            onChange={choose}
            data={[
              { value: '80mm', label: t('billing.layout80') },
              { value: 'a4', label: t('billing.layoutA4') },
            ]}
            data-testid="receipt-layout"
          />
          <Button leftSection={<IconPrinter size={18} />} onClick={() => window.print()} data-testid="receipt-print">
            {t('common.print')}
          </Button>
          <PdfButton href={`/api/v1/bills/${id}/receipt.pdf${layout === '80mm' ? '?size=80mm' : ''}`} variant="light" icon={<IconFileTypePdf size={18} />}>
            PDF
          </PdfButton>
        </Group>
      </Group>
      <QueryError query={receipt} />
      {receipt.data ? <ReceiptDocument receipt={receipt.data} layout={layout} /> : !receipt.isError && <Text>{t('common.loading')}</Text>}
    </Stack>
  );
}

export function ReceiptDocument({ receipt: r, layout }: { receipt: Receipt; layout: ReceiptLayout }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const b = r.bill;
  const m = (a: string) => formatMoney(a, lang);
  return (
    <div className={`receipt receipt-${layout}`} data-testid="receipt" data-layout={layout} data-receipt-number={r.receipt_number}>
      <h1>{r.clinic_name || 'Chelal'}</h1>
      <div className="receipt-title">
        {t('billing.receipt')} {r.receipt_number && <strong data-testid="receipt-number">{r.receipt_number}</strong>}
      </div>
      <div>
        {t('billing.bill')} #{b.id} · {formatDateTime(b.created_at, lang)}
      </div>
      <div>
        {t('billing.patient')}: <strong>{b.patient_name}</strong> ({b.patient_unique_id})
      </div>
      {b.status === 'cancelled' && (
        <div>
          {t('billing.status.cancelled')}: {b.cancel_reason}
        </div>
      )}
      <hr />
      <table>
        <thead>
          <tr>
            <th>{t('billing.item')}</th>
            <th className="num">{t('billing.qtyShort')}</th>
            {layout === 'a4' && <th className="num">{t('billing.unitPrice')}</th>}
            <th className="num">{t('billing.lineTotal')}</th>
          </tr>
        </thead>
        <tbody>
          {b.items.map((it) => (
            <tr key={it.id}>
              <td>{it.description}</td>
              <td className="num">{it.quantity}</td>
              {layout === 'a4' && <td className="num">{m(it.unit_price)}</td>}
              <td className="num">{m(it.total_price)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <hr />
      <table>
        <tbody className="totals">
          <tr>
            <td>{t('billing.total')}</td>
            <td className="num" data-testid="receipt-total">
              {m(b.total_amount)}
            </td>
          </tr>
        </tbody>
      </table>
      {b.payments.length > 0 && (
        <>
          <hr />
          <table>
            <tbody>
              {b.payments.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.receipt_number} · {formatDateTime(p.payment_date, lang)}
                    <br />
                    {t(`billing.methods.${p.payment_method}`)}
                    {p.transaction_id ? ` ${p.transaction_id}` : ''}
                  </td>
                  <td className="num">{m(p.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <hr />
      <table>
        <tbody className="totals">
          <tr>
            <td>{t('billing.paid')}</td>
            <td className="num" data-testid="receipt-paid">
              {m(b.paid_amount)}
            </td>
          </tr>
          <tr>
            <td>{t('billing.balance')}</td>
            <td className="num" data-testid="receipt-balance">
              {m(b.balance)}
            </td>
          </tr>
        </tbody>
      </table>
      {r.cashier && (
        <div>
          {t('billing.cashier')}: <span data-testid="receipt-cashier">{r.cashier}</span>
        </div>
      )}
      <div className="footer">
        {formatDateTime(r.printed_at, lang)}
        <br />
        {t('billing.thankYou')}
      </div>
    </div>
  );
}

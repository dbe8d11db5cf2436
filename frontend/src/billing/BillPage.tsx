// BillPage: one bill: its lines and payments; adding catalog services while nothing is paid,
// a credit (a correction, never an edit of history) at any time, taking a payment (at most the
// balance, each attempt with its own Idempotency-Key so a retry never pays twice), cancelling
// with a reason while nothing is paid, and the receipt (printed or as PDF).
import { Alert, Anchor, Badge, Button, Card, Group, Modal, NativeSelect, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconFileTypePdf, IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api';
import { limits } from '../api/limits';
import type { BillDetail } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDateTime, formatMoney } from '../i18n/format';
import { BackLink } from '../shell/BackLink';
import { BillStatusBadge } from '../shell/StatusBadge';
import { amountProblem, compareAmounts, normalizeAmount, readAmount } from './money';
import { METHODS, useAddBillItems, useBill, useCancelBill, usePay, useServices } from './queries';
import { TableHead, right } from '../shell/TableHead';
import { PdfButton } from '../shell/PdfButton';

export function BillPage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().id);
  const bill = useBill(id);
  useDocumentTitle(`${t('billing.bill')} #${id} · Chelal`);
  const { can } = useSession();
  const b = bill.data;

  if (bill.isError) {
    return (
      <Stack>
        <BackToBills />
        <Alert color="red">{problemMessage(bill.error, t, i18n.language)}</Alert>
      </Stack>
    );
  }
  if (!b) return <Text>{t('common.loading')}</Text>;
  const writable = can('billing.write') && b.status !== 'cancelled';
  const owed = compareAmounts(b.balance, '0') > 0;
  const nothingPaid = compareAmounts(b.paid_amount, '0') === 0;

  return (
    <Stack data-testid="bill-page" data-bill-id={b.id} data-status={b.status} data-balance={b.balance}>
      <BackToBills />
      <Group justify="space-between" align="start">
        <Stack gap={2}>
          <Title order={2}>
            {t('billing.bill')} #{b.id} · {b.patient_name}
          </Title>
          <Text c="dimmed" size="sm">
            {b.patient_unique_id} · {t('billing.openedBy', { when: formatDateTime(b.created_at, i18n.language), who: b.created_by_name || '—' })}
          </Text>
        </Stack>
        <BillStatusBadge status={b.status} />
      </Group>
      {b.status === 'cancelled' && (
        <Alert color="gray" title={t('billing.cancelledTitle')}>
          {b.cancel_reason}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Figure label={t('billing.total')} amount={b.total_amount} testId="bill-total" />
        <Figure label={t('billing.paid')} amount={b.paid_amount} testId="bill-paid" />
        <Figure label={t('billing.balance')} amount={b.balance} testId="bill-balance" strong />
      </SimpleGrid>

      <Card withBorder>
        <Title order={4} mb="xs">
          {t('billing.lines')}
        </Title>
        <Table verticalSpacing="xs" data-testid="bill-items">
          <TableHead
            columns={[t('billing.item'), right(t('billing.quantity')), right(t('billing.unitPrice')), right(t('billing.lineTotal'))]}
          />
          <Table.Tbody>
            {b.items.map((it) => (
              <Table.Tr key={it.id} data-kind={it.kind}>
                <Table.Td>
                  {it.description}
                  {it.kind !== 'service' && (
                    <Badge ml="xs" size="xs" variant="light" color={it.kind === 'credit' ? 'grape' : 'blue'}>
                      {t(`billing.kinds.${it.kind}`, { defaultValue: it.kind })}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">{it.quantity}</Table.Td>
                <Table.Td ta="right">{formatMoney(it.unit_price, i18n.language)}</Table.Td>
                <Table.Td ta="right">{formatMoney(it.total_price, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {writable && nothingPaid && <AddServiceForm bill={b} />}
      </Card>

      {writable && owed && <PaymentForm key={b.version} bill={b} />}

      <Card withBorder>
        <Title order={4} mb="xs">
          {t('billing.payments')}
        </Title>
        {b.payments.length === 0 ? (
          <Text c="dimmed">{t('billing.noPayments')}</Text>
        ) : (
          <Table verticalSpacing="xs" data-testid="bill-payments">
            <TableHead
              columns={[t('billing.receiptNumber'), t('billing.when'), t('billing.method'), t('billing.cashier'), right(t('billing.amount')), '']}
            />
            <Table.Tbody>
              {b.payments.map((p) => (
                <Table.Tr key={p.id} data-testid="payment-row">
                  <Table.Td>{p.receipt_number}</Table.Td>
                  <Table.Td>{formatDateTime(p.payment_date, i18n.language)}</Table.Td>
                  <Table.Td>
                    {t(`billing.methods.${p.payment_method}`)}
                    {p.transaction_id && (
                      <Text span size="xs" c="dimmed" ml={4}>
                        {p.transaction_id}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{p.received_by_name}</Table.Td>
                  <Table.Td ta="right">{formatMoney(p.amount, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/billing/${b.id}/receipt?payment=${p.id}`} size="sm">
                      {t('billing.receipt')}
                    </Anchor>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>

      <Group className="no-print">
        <Button component={Link} to={`/billing/${b.id}/receipt`} leftSection={<IconPrinter size={18} />} data-testid="print-receipt">
          {t('billing.printReceipt')}
        </Button>
        <PdfButton href={`/api/v1/bills/${b.id}/receipt.pdf`} variant="light" icon={<IconFileTypePdf size={18} />} data-testid="receipt-pdf">
          {t('billing.pdfA4')}
        </PdfButton>
        <PdfButton href={`/api/v1/bills/${b.id}/receipt.pdf?size=80mm`} variant="light" icon={<IconFileTypePdf size={18} />}>
          {t('billing.pdf80')}
        </PdfButton>
        {writable && owed && <CreditButton bill={b} />}
        {writable && nothingPaid && <CancelButton bill={b} />}
      </Group>
    </Stack>
  );
}

function BackToBills() {
  const { t } = useTranslation();
  return <BackLink to="/billing">{t('billing.backToBills')}</BackLink>;
}

function Figure({ label, amount, testId, strong = false }: { label: string; amount: string; testId: string; strong?: boolean }) {
  const { i18n } = useTranslation();
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={strong ? 700 : 500} data-testid={testId} data-amount={amount}>
        {formatMoney(amount, i18n.language)}
      </Text>
    </Card>
  );
}

function AddServiceForm({ bill }: { bill: BillDetail }) {
  const { t, i18n } = useTranslation();
  const services = useServices(true);
  const [pick, setPick] = useState<string | null>(null);
  const [qty, setQty] = useState<number | string>(1);
  const add = useAddBillItems(bill.id, {
    onSuccess: () => {
      setPick(null);
      setQty(1);
    },
  });

  return (
    <Stack mt="sm" className="no-print" data-testid="add-service">
      <Group align="end">
        <Select
          label={t('billing.addService')}
          data={(services.data ?? []).map((s) => ({ value: String(s.id), label: `${s.name} · ${formatMoney(s.price, i18n.language)}` }))}
          value={pick}
          onChange={setPick}
          searchable
          flex={1}
          data-testid="add-service-select"
        />
        <NumberInput label={t('billing.quantity')} value={qty} onChange={setQty} min={1} max={100000} allowDecimal={false} w={100} />
        <Button onClick={() => void add.submit([{ service_id: Number(pick), quantity: Number(qty) || 1 }])} disabled={!pick} loading={add.busy} data-testid="add-service-submit">
          {t('billing.addLine')}
        </Button>
      </Group>
      {add.message && <Alert color="red">{add.message}</Alert>}
    </Stack>
  );
}

function PaymentForm({ bill }: { bill: BillDetail }) {
  const { t, i18n } = useTranslation();
  const [typed, setAmount] = useState(bill.balance);
  const [method, setMethod] = useState<string>('cash');
  const [txn, setTxn] = useState('');
  const [notes, setNotes] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  // One key per payment attempt: a resubmission after a lost answer reuses it.
  const payment = usePay(bill.id, {
    onSuccess: () => {
      setTxn('');
      setNotes('');
    },
    success: (p) => t('billing.paymentTaken', { amount: formatMoney(p.amount, i18n.language), receipt: p.receipt_number }),
    onError: (err) => {
      if (!(err instanceof ApiError && err.fields.some((f) => f.field === 'amount'))) return false;
      setFieldError(problemMessage(err, t, i18n.language));
      return true;
    },
  });

  function pay() {
    payment.setMessage(null);
    const amount = readAmount(typed, i18n.language);
    const problem = amountProblem(amount);
    if (problem) {
      setFieldError(t(`billing.amountProblems.${problem}`));
      return;
    }
    if (compareAmounts(amount, bill.balance) > 0) {
      setFieldError(t('billing.overBalance', { balance: formatMoney(bill.balance, i18n.language) }));
      return;
    }
    setFieldError(null);
    void payment.submit({ amount: normalizeAmount(amount), payment_method: method as 'cash', ...(txn.trim() ? { transaction_id: txn.trim() } : {}), ...(notes.trim() ? { notes: notes.trim() } : {}) });
  }

  return (
    <Card withBorder className="no-print" data-testid="payment-form">
      <Title order={4} mb="xs">
        {t('billing.takePayment')}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          pay();
        }}
        noValidate
      >
        <Group align="start">
          <TextInput
            label={t('billing.amount')}
            value={typed}
            onChange={(e) => {
              setAmount(e.currentTarget.value);
              payment.renewKey(); // a different payment
            }}
            error={fieldError}
            inputMode="decimal"
            name="amount"
            w={160}
            data-testid="payment-amount"
          />
          <NativeSelect
            label={t('billing.method')}
            value={method}
            onChange={(e) => {
              setMethod(e.currentTarget.value);
              payment.renewKey();
            }}
            data={METHODS.map((m) => ({ value: m, label: t(`billing.methods.${m}`) }))}
            name="payment_method"
            data-testid="payment-method"
          />
          {method !== 'cash' && <TextInput label={t('billing.transactionId')} value={txn} onChange={(e) => setTxn(e.currentTarget.value)} maxLength={limits.PaymentParams.transaction_id.maxLength} name="transaction_id" />}
          <TextInput label={t('billing.notes')} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} maxLength={limits.PaymentParams.notes.maxLength} flex={1} />
        </Group>
        <Group mt="sm">
          <Button type="submit" loading={payment.busy} data-testid="payment-submit">
            {t('billing.pay')}
          </Button>
          <Text size="sm" c="dimmed">
            {t('billing.balanceIs', { balance: formatMoney(bill.balance, i18n.language) })}
          </Text>
        </Group>
        {payment.message && (
          <Alert color="red" mt="sm">
            {payment.message}
          </Alert>
        )}
      </form>
    </Card>
  );
}

function CreditButton({ bill }: { bill: BillDetail }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const [typed, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const add = useAddBillItems(bill.id, {
    onSuccess: () => {
      setAmount('');
      setReason('');
    },
    close: () => setOpen(false),
  });

  function credit() {
    const amount = readAmount(typed, i18n.language);
    const problem = amountProblem(amount);
    if (problem) return add.setMessage(t(`billing.amountProblems.${problem}`));
    if (!reason.trim()) return add.setMessage(t('billing.creditReasonRequired'));
    void add.submit([{ kind: 'credit', amount: normalizeAmount(amount), description: reason.trim() }]);
  }

  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)} data-testid="credit-open">
        {t('billing.addCredit')}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('billing.addCredit')}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('billing.creditHint', { balance: formatMoney(bill.balance, i18n.language) })}
          </Text>
          <TextInput label={t('billing.amount')} value={typed} onChange={(e) => setAmount(e.currentTarget.value)} inputMode="decimal" data-autofocus />
          <Textarea label={t('billing.creditReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={limits.ItemParams.description.maxLength} />
          {add.message && <Alert color="red">{add.message}</Alert>}
          <Group justify="flex-end">
            <Button onClick={credit} loading={add.busy}>
              {t('billing.addCredit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function CancelButton({ bill }: { bill: BillDetail }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const cancel = useCancelBill(bill, { close: () => setOpen(false) });

  return (
    <>
      <Button variant="subtle" color="red" onClick={() => setOpen(true)} data-testid="cancel-bill">
        {t('billing.cancelBill')}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('billing.cancelBill')}>
        <Stack>
          <Textarea label={t('billing.cancelReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={limits.BillEdit.cancel_reason.maxLength} data-autofocus />
          {cancel.message && <Alert color="red">{cancel.message}</Alert>}
          <Group justify="flex-end">
            <Button color="red" onClick={() => void cancel.submit(reason.trim())} loading={cancel.busy} disabled={!reason.trim()}>
              {t('billing.cancelBill')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

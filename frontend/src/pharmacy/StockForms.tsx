// The pharmacy's forms: a medication (new or edited), receiving a batch, adjusting stock with
// a reason, medicine a patient brings back from a dispense, a category, a supply and a
// supply's adjustment. Each checks what it can before
// sending and shows the server's field errors beside their fields.
import { Alert, Button, Checkbox, Group, Modal, NativeSelect, NumberInput, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { limits } from '../api/limits';
import type { InventoryItem, Medication, MedicationCategory, StockBatch } from '../api/types';
import { useServerErrors } from '../forms/useServerErrors';
import { invalidatePharmacy, useCategories } from './queries';
import { readAmount } from '../billing/money';
import { isoToday, moneyProblem, quantityProblem } from './stock';
import { DateField } from '../forms/DateField';

function useMoneyCheck() {
  const { t, i18n } = useTranslation();
  return (v: string) => {
    const p = moneyProblem(readAmount(v, i18n.language));
    return p ? t(`pharmacy.money.${p}`) : null;
  };
}

function useQuantityCheck(allowNegative = false) {
  const { t } = useTranslation();
  return (v: number | string) => {
    const p = quantityProblem(v, allowNegative);
    return p ? t(`pharmacy.quantity.${p}`) : null;
  };
}

function FormButtons({ busy, onClose, testId, label }: { busy: boolean; onClose: () => void; testId: string; label?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onClose}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" loading={busy} data-testid={testId}>
        {label ?? t('common.save')}
      </Button>
    </Group>
  );
}

function ErrorAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert" data-testid="form-error">
      {message}
    </Alert>
  );
}

export function MedicationModal({ medication, onClose }: { medication?: Medication; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const categories = useCategories();
  const money = useMoneyCheck();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: {
      name: medication?.name ?? '',
      generic_name: medication?.generic_name ?? '',
      description: medication?.description ?? '',
      category_id: medication ? String(medication.category_id) : '',
      strength: medication?.strength ?? '',
      form: medication?.form ?? '',
      unit_price: medication?.unit_price ?? '',
      reorder_level: medication?.reorder_level ?? 10,
      requires_prescription: medication?.requires_prescription ?? true,
      is_active: medication?.is_active ?? true,
    },
    validate: {
      name: (v) => (v.trim() ? null : t('validation.required')),
      category_id: (v) => (v ? null : t('validation.required')),
      strength: (v) => (v.trim() ? null : t('validation.required')),
      form: (v) => (v.trim() ? null : t('validation.required')),
      unit_price: money,
    },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    const body = {
      name: v.name.trim(),
      generic_name: v.generic_name.trim(),
      description: v.description.trim(),
      category_id: Number(v.category_id),
      strength: v.strength.trim(),
      form: v.form.trim(),
      unit_price: readAmount(v.unit_price, i18n.language),
      reorder_level: Number(v.reorder_level),
      requires_prescription: v.requires_prescription,
    };
    try {
      if (medication) {
        await unwrap(api.client.PATCH('/api/v1/medications/{id}', { params: { path: { id: medication.id } }, body: { ...body, is_active: v.is_active, version: medication.version } }));
      } else {
        await unwrap(api.client.POST('/api/v1/medications', { body }));
      }
      await invalidatePharmacy(qc);
      notifications.show({ color: 'teal', message: t('pharmacy.saved', { name: body.name }) });
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={medication ? t('pharmacy.editMedication') : t('pharmacy.newMedication')} size="lg">
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="medication-form">
        <Stack>
          <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.MedicationParams.name.maxLength} {...form.getInputProps('name')} />
          <TextInput label={t('pharmacy.genericName')} description={t('pharmacy.genericNameHint')} name="generic_name" maxLength={limits.MedicationParams.generic_name.maxLength} {...form.getInputProps('generic_name')} />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <NativeSelect
              label={t('pharmacy.category')}
              name="category_id"
              required
              data={[{ value: '', label: t('pharmacy.chooseCategory'), disabled: true }, ...(categories.data ?? []).map((c) => ({ value: String(c.id), label: c.name }))]}
              {...form.getInputProps('category_id')}
            />
            <TextInput label={t('pharmacy.strength')} name="strength" required maxLength={limits.MedicationParams.strength.maxLength} {...form.getInputProps('strength')} />
            <TextInput label={t('pharmacy.form')} name="form" required maxLength={limits.MedicationParams.form.maxLength} {...form.getInputProps('form')} />
          </SimpleGrid>
          <SimpleGrid cols={2}>
            <TextInput label={t('pharmacy.unitPrice')} name="unit_price" inputMode="decimal" required {...form.getInputProps('unit_price')} />
            <NumberInput label={t('pharmacy.reorderLevel')} name="reorder_level" min={0} allowDecimal={false} allowNegative={false} {...form.getInputProps('reorder_level')} />
          </SimpleGrid>
          <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.MedicationParams.description.maxLength} autosize minRows={2} {...form.getInputProps('description')} />
          <Checkbox label={t('pharmacy.requiresPrescription')} {...form.getInputProps('requires_prescription', { type: 'checkbox' })} />
          {medication && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="medication-submit" />
        </Stack>
      </form>
    </Modal>
  );
}

export function ReceiveModal({ medication, onClose }: { medication: Medication; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const money = useMoneyCheck();
  const quantity = useQuantityCheck();
  const [busy, setBusy] = useState(false);
  const today = isoToday();
  const form = useForm({
    mode: 'controlled',
    initialValues: { batch_number: '', expiry_date: '', quantity: '' as number | string, unit_cost: '' },
    validate: {
      batch_number: (v) => (v.trim() ? null : t('validation.required')),
      expiry_date: (v) => (!v ? t('validation.required') : v < today ? t('pharmacy.expiredOnArrival') : null),
      quantity,
      unit_cost: money,
    },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(
        api.client.POST('/api/v1/medications/{id}/batches', {
          params: { path: { id: medication.id } },
          body: { batch_number: v.batch_number.trim(), expiry_date: v.expiry_date, quantity: Number(v.quantity), unit_cost: readAmount(v.unit_cost, i18n.language) },
        }),
      );
      await invalidatePharmacy(qc);
      notifications.show({ color: 'teal', message: t('pharmacy.received', { n: Number(v.quantity), name: medication.name }) });
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.receiveTitle', { name: `${medication.name} ${medication.strength}` })}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="receive-form">
        <Stack>
          <TextInput label={t('pharmacy.batchNumber')} name="batch_number" required data-autofocus maxLength={limits.ReceiveParams.batch_number.maxLength} {...form.getInputProps('batch_number')} />
          <DateField label={t('pharmacy.expiryDate')} name="expiry_date" min={today} required {...form.getInputProps('expiry_date')} />
          <SimpleGrid cols={2}>
            <NumberInput label={t('pharmacy.quantityLabel')} name="quantity" min={1} allowDecimal={false} allowNegative={false} required {...form.getInputProps('quantity')} />
            <TextInput label={t('pharmacy.unitCost')} name="unit_cost" inputMode="decimal" required {...form.getInputProps('unit_cost')} />
          </SimpleGrid>
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="receive-submit" label={t('pharmacy.receive')} />
        </Stack>
      </form>
    </Modal>
  );
}

export function AdjustModal({ medication, batches, onClose }: { medication: Medication; batches: StockBatch[]; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const quantity = useQuantityCheck(true);
  const [busy, setBusy] = useState(false);
  const live = batches.filter((b) => b.quantity_left > 0 || !b.expired);
  const form = useForm({
    mode: 'controlled',
    initialValues: { quantity_change: '' as number | string, reason: '', batch_id: '' },
    validate: {
      quantity_change: quantity,
      reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')),
      batch_id: (v, values) => (Number(values.quantity_change) > 0 && !v ? t('pharmacy.batchForIncrease') : null),
    },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(
        api.client.POST('/api/v1/medications/{id}/stock-adjustments', {
          params: { path: { id: medication.id } },
          body: { quantity_change: Number(v.quantity_change), reason: v.reason.trim(), ...(v.batch_id ? { batch_id: Number(v.batch_id) } : {}) },
        }),
      );
      await invalidatePharmacy(qc);
      notifications.show({ color: 'teal', message: t('pharmacy.adjusted', { name: medication.name }) });
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.adjustTitle', { name: `${medication.name} ${medication.strength}` })}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="adjust-form">
        <Stack>
          <NumberInput
            label={t('pharmacy.quantityChange')}
            description={t('pharmacy.quantityChangeHint', { n: medication.stock_quantity })}
            name="quantity_change"
            allowDecimal={false}
            required
            data-autofocus
            {...form.getInputProps('quantity_change')}
          />
          <NativeSelect
            label={t('pharmacy.batch')}
            name="batch_id"
            data={[
              { value: '', label: t('pharmacy.batchAuto') },
              ...live.map((b) => ({ value: String(b.id), label: `${b.batch_number} · ${b.expiry_date} · ${b.quantity_left}` })),
            ]}
            {...form.getInputProps('batch_id')}
          />
          <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.AdjustParams.reason.maxLength} {...form.getInputProps('reason')} />
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="adjust-submit" />
        </Stack>
      </form>
    </Modal>
  );
}

export function ReturnModal({ medication, dispenseId, remaining, onClose }: { medication: Medication; dispenseId: number; remaining: number; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const quantity = useQuantityCheck();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { quantity: '' as number | string, reason: '' },
    validate: {
      quantity: (v) => quantity(v) ?? (Number(v) > remaining ? t('pharmacy.returnHint', { n: remaining }) : null),
      reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')),
    },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(
        api.client.POST('/api/v1/dispenses/{id}/returns', {
          params: { path: { id: dispenseId } },
          body: { quantity: Number(v.quantity), reason: v.reason.trim() },
        }),
      );
      await invalidatePharmacy(qc);
      notifications.show({ color: 'teal', message: t('pharmacy.returned', { n: Number(v.quantity), name: medication.name }) });
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.returnTitle', { name: `${medication.name} ${medication.strength}` })}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="return-form">
        <Stack>
          <NumberInput
            label={t('pharmacy.quantityLabel')}
            description={t('pharmacy.returnHint', { n: remaining })}
            name="quantity"
            min={1}
            allowDecimal={false}
            allowNegative={false}
            required
            data-autofocus
            {...form.getInputProps('quantity')}
          />
          <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.ReturnParams.reason.maxLength} {...form.getInputProps('reason')} />
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="return-submit" label={t('pharmacy.returnSubmit')} />
        </Stack>
      </form>
    </Modal>
  );
}

export function CategoryModal({ category, onClose }: { category?: MedicationCategory; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { name: category?.name ?? '', description: category?.description ?? '', is_active: category?.is_active ?? true },
    validate: { name: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      const body = { name: v.name.trim(), description: v.description.trim() };
      if (category) {
        await unwrap(api.client.PATCH('/api/v1/medication-categories/{id}', { params: { path: { id: category.id } }, body: { ...body, is_active: v.is_active, version: category.version } }));
      } else {
        await unwrap(api.client.POST('/api/v1/medication-categories', { body }));
      }
      await invalidatePharmacy(qc);
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={category ? t('pharmacy.editCategory') : t('pharmacy.newCategory')}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="category-form">
        <Stack>
          <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.CategoryParams.name.maxLength} {...form.getInputProps('name')} />
          <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.CategoryParams.description.maxLength} {...form.getInputProps('description')} />
          {category && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="category-submit" />
        </Stack>
      </form>
    </Modal>
  );
}

export function InventoryModal({ item, onClose }: { item?: InventoryItem; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { name: item?.name ?? '', description: item?.description ?? '', unit: item?.unit ?? 'piece', is_active: item?.is_active ?? true },
    validate: { name: (v) => (v.trim() ? null : t('validation.required')), unit: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      const body = { name: v.name.trim(), description: v.description.trim(), unit: v.unit.trim() };
      if (item) {
        await unwrap(api.client.PATCH('/api/v1/inventory-items/{id}', { params: { path: { id: item.id } }, body: { ...body, is_active: v.is_active, version: item.version } }));
      } else {
        await unwrap(api.client.POST('/api/v1/inventory-items', { body }));
      }
      await invalidatePharmacy(qc);
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={item ? t('pharmacy.editSupply') : t('pharmacy.newSupply')}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="supply-form">
        <Stack>
          <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.InventoryParams.name.maxLength} {...form.getInputProps('name')} />
          <TextInput label={t('pharmacy.unit')} name="unit" required maxLength={limits.InventoryParams.unit.maxLength} {...form.getInputProps('unit')} />
          <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.InventoryParams.description.maxLength} {...form.getInputProps('description')} />
          {item && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="supply-submit" />
        </Stack>
      </form>
    </Modal>
  );
}

export function InventoryAdjustModal({ item, onClose }: { item: InventoryItem; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const quantity = useQuantityCheck(true);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { quantity_change: '' as number | string, reason: '' },
    validate: { quantity_change: quantity, reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')) },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(
        api.client.POST('/api/v1/inventory-items/{id}/adjustments', {
          params: { path: { id: item.id } },
          body: { quantity_change: Number(v.quantity_change), reason: v.reason.trim() },
        }),
      );
      await invalidatePharmacy(qc);
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.adjustTitle', { name: item.name })}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="supply-adjust-form">
        <Stack>
          <NumberInput
            label={t('pharmacy.quantityChange')}
            description={t('pharmacy.quantityChangeHint', { n: item.quantity })}
            name="quantity_change"
            allowDecimal={false}
            required
            data-autofocus
            {...form.getInputProps('quantity_change')}
          />
          <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.InventoryAdjustParams.reason.maxLength} {...form.getInputProps('reason')} />
          <ErrorAlert message={errors.message} />
          <FormButtons busy={busy} onClose={onClose} testId="supply-adjust-submit" />
        </Stack>
      </form>
    </Modal>
  );
}

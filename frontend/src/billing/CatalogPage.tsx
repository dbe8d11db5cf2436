// CatalogPage: the clinic's services and prices. Everyone in billing reads it; only an
// administrator (services.write) adds a service or changes a price. A price change never
// touches bills already made: their lines keep the price they were charged at.
import { Badge, Button, Checkbox, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { limits } from '../api/limits';
import type { CatalogService } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { formatMoney } from '../i18n/format';
import { amountProblem, normalizeAmount, readAmount } from './money';
import { CATEGORIES, useSaveService, useServices } from './queries';
import { ButtonCell } from '../shell/ActionsTh';
import { BackLink } from '../shell/BackLink';
import { TableHead, right } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export function CatalogPage() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('billing.catalog.title')} · Chelal`);
  const { can } = useSession();
  const services = useServices(false);
  const [editing, setEditing] = useState<CatalogService | 'new' | null>(null);
  const admin = can('services.write');

  return (
    <Stack data-testid="catalog-page">
      <BackLink to="/billing">{t('billing.backToBills')}</BackLink>
      <Group justify="space-between">
        <Title order={2}>{t('billing.catalog.title')}</Title>
        {admin && (
          <Button leftSection={<IconPlus size={18} />} onClick={() => setEditing('new')} className="no-print" data-testid="new-service">
            {t('billing.catalog.add')}
          </Button>
        )}
      </Group>
      {!admin && <Text c="dimmed">{t('billing.catalog.readOnly')}</Text>}
      <QueryError query={services} />
      <Table striped verticalSpacing="xs" data-testid="services">
        <TableHead
          columns={[t('billing.catalog.code'), t('billing.catalog.name'), t('billing.catalog.category'), right(t('billing.catalog.price')), '']}
        />
        <Table.Tbody>
          {(services.data ?? []).map((s) => (
            <Table.Tr key={s.id} data-code={s.code}>
              <Table.Td>{s.code}</Table.Td>
              <Table.Td>
                {s.name}
                {!s.is_active && (
                  <Badge ml="xs" color="gray" size="xs">
                    {t('billing.catalog.inactive')}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>{t(`billing.categories.${s.category}`)}</Table.Td>
              <Table.Td ta="right">{formatMoney(s.price, i18n.language)}</Table.Td>
              <ButtonCell show={admin} onClick={() => setEditing(s)}>
                {t('common.edit')}
              </ButtonCell>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && <ServiceModal service={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function ServiceModal({ service, onClose }: { service?: CatalogService; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const initialValues = {
    name: service?.name ?? '',
    code: service?.code ?? '',
    category: service?.category ?? 'consultation',
    price: service?.price ?? '',
    is_active: service?.is_active ?? true,
    description: service?.description ?? '',
  };
  const { form, restored, discardDraft } = usePersistentForm({
    id: service ? `service-edit-${service.id}` : 'service-new',
    owner: user.id,
    initialValues,
    validate: {
      name: (v) => (v.trim() ? null : t('billing.catalog.nameRequired')),
      code: (v) => (v.trim() ? null : t('billing.catalog.codeRequired')),
      price: (v) => {
        const p = amountProblem(readAmount(v, i18n.language), { allowZero: true });
        return p ? t(`billing.amountProblems.${p}`) : null;
      },
    },
  });
  const save = useSaveService(service, { form, onSuccess: discardDraft, close: onClose });

  return (
    <Modal opened onClose={onClose} title={service ? t('billing.catalog.edit') : t('billing.catalog.add')}>
      <form
        onSubmit={form.onSubmit((v) =>
          save.submit({ ...v, name: v.name.trim(), code: v.code.trim(), price: normalizeAmount(readAmount(v.price, i18n.language)), category: v.category as CatalogService['category'] }),
        )}
        noValidate
        data-testid="service-form"
      >
        <Stack>
          <DraftNotice
            restored={restored}
            onDiscard={() => {
              discardDraft();
              form.setValues(initialValues);
            }}
          />
          <TextInput label={t('billing.catalog.name')} {...form.getInputProps('name')} name="name" maxLength={limits.ServiceParams.name.maxLength} data-autofocus />
          <TextInput label={t('billing.catalog.code')} {...form.getInputProps('code')} name="code" maxLength={limits.ServiceParams.code.maxLength} />
          <NativeSelect
            label={t('billing.catalog.category')}
            {...form.getInputProps('category')}
            data={CATEGORIES.map((c) => ({ value: c, label: t(`billing.categories.${c}`) }))}
            name="category"
          />
          <TextInput label={t('billing.catalog.price')} {...form.getInputProps('price')} name="price" inputMode="decimal" />
          {service && <Text size="xs" c="dimmed">{t('billing.catalog.priceNote')}</Text>}
          <TextInput label={t('billing.catalog.description')} {...form.getInputProps('description')} name="description" maxLength={limits.ServiceParams.description.maxLength} />
          <Checkbox label={t('billing.catalog.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} name="is_active" />
          <FormError message={save.message} />
          <FormButtons busy={save.busy} onCancel={onClose} testId="service-save" />
        </Stack>
      </form>
    </Modal>
  );
}

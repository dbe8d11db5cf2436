// NotesEditor: the doctor's notes and diagnosis of an open encounter. What is typed is kept at
// once as a local draft (a reload or a power cut loses nothing) and sent to the server after a
// pause in typing, on the version it was typed on. When someone else saved meanwhile (or a
// draft from earlier was typed on an older version), both versions are shown and the doctor
// chooses; when the server cannot be reached, the text waits here and is sent again later.
import { Alert, Group, Loader, Stack, Text, Textarea } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCloudOff, IconPencil } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, NetworkError, unwrap } from '../api';
import { invalidateSchedule } from '../appointments/queries';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { VersionConflict } from '../forms/VersionConflict';
import { usePersistentForm } from '../forms/usePersistentForm';
import { AUTOSAVE_MS, draftConflict, idleState, pendingEdit, RETRY_MS, sameTexts, type SaveState, type TypedTexts } from './autosave';
import { clinicalProblem, encounterKey, type Encounter } from './queries';

/** notesDraftId is the draft of an encounter's texts (the closed view looks for unsaved text in it). */
export const notesDraftId = (id: number) => `encounter-${id}`;

/** useNotesAutosave: the texts' form, its autosave and its state; flush() saves what is pending now. */
export function useNotesAutosave(e: Encounter, editable: boolean) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const { form, restored, discardDraft } = usePersistentForm<TypedTexts>({
    id: notesDraftId(e.id),
    owner: user.id,
    initialValues: { notes: e.notes, diagnosis: e.diagnosis, base_version: e.version },
  });
  const savedRef = useRef<Encounter>(e);
  const inflight = useRef<Promise<Encounter> | null>(null);
  const [theirs, setTheirs] = useState<Encounter | null>(() => (restored && draftConflict(e, form.getValues()) ? e : null));
  const [state, setState] = useState<SaveState>(() => (theirs ? 'conflict' : idleState(e, form.getValues())));
  const [message, setMessage] = useState<string | null>(null);
  const [retryTick, setRetryTick] = useState(0);
  // a draft is worth announcing only when it holds text the server does not have
  const [announce] = useState(() => restored && !sameTexts(e, form.getValues()));

  useEffect(() => {
    if (e.version >= savedRef.current.version || e.status !== savedRef.current.status) savedRef.current = e;
  }, [e]);

  const reload = useCallback(async () => {
    const fresh = await unwrap(api.client.GET('/api/v1/encounters/{id}', { params: { path: { id: e.id } } }));
    return fresh;
  }, [e.id]);

  const save = useCallback(async (): Promise<Encounter> => {
    if (inflight.current) await inflight.current.catch(() => undefined);
    const edit = pendingEdit(savedRef.current, form.getValues());
    if (!edit) return savedRef.current;
    setState('saving');
    const run = (async () => {
      try {
        const wasEmpty = savedRef.current.notes === '';
        const out = await unwrap(api.client.PATCH('/api/v1/encounters/{id}', { params: { path: { id: e.id } }, body: { version: savedRef.current.version, ...edit } }));
        savedRef.current = out;
        qc.setQueryData(encounterKey(out.id), out);
        form.setFieldValue('base_version', out.version);
        form.clearErrors();
        setMessage(null);
        setState(idleState(out, form.getValues()));
        if (wasEmpty) void invalidateSchedule(qc); // the first notes put a checked-in visit in progress
        return out;
      } catch (err) {
        if (err instanceof NetworkError) {
          setState('offline');
          setTimeout(() => setRetryTick((n) => n + 1), RETRY_MS);
        } else if (err instanceof ApiError && err.code === 'stale-version') {
          try {
            const fresh = await reload();
            if (fresh.status === 'closed') qc.setQueryData(encounterKey(fresh.id), fresh);
            else {
              setTheirs(fresh);
              setState('conflict');
            }
          } catch (loadErr) {
            setState('error');
            setMessage(clinicalProblem(loadErr, t, i18n.language));
          }
        } else if (err instanceof ApiError && err.code === 'encounter-closed') {
          // closed elsewhere: the page shows the closed encounter, with this text kept aside
          setState('error');
          setMessage(clinicalProblem(err, t, i18n.language));
          try {
            qc.setQueryData(encounterKey(e.id), await reload());
          } catch {
            // the message stays
          }
        } else {
          setState('error');
          if (err instanceof ApiError) {
            if (err.fieldErrors.notes) form.setFieldError('notes', err.fieldErrors.notes);
            if (err.fieldErrors.diagnosis) form.setFieldError('diagnosis', err.fieldErrors.diagnosis);
          }
          setMessage(clinicalProblem(err, t, i18n.language));
        }
        throw err;
      } finally {
        inflight.current = null;
      }
    })();
    inflight.current = run;
    return run;
  }, [e.id, form, qc, reload, t, i18n.language]);

  // Send what is typed after a pause; again after a lost connection.
  const values = form.values;
  useEffect(() => {
    if (!editable || theirs) return;
    if (!pendingEdit(savedRef.current, values)) {
      if (!inflight.current) setState((s) => (s === 'error' && message ? s : idleState(savedRef.current, values)));
      return;
    }
    setState((s) => (s === 'offline' || s === 'saving' ? s : 'pending'));
    const h = setTimeout(() => void save().catch(() => undefined), AUTOSAVE_MS);
    return () => clearTimeout(h);
  }, [values.notes, values.diagnosis, values.base_version, retryTick, editable, theirs]);

  // Leaving the page with text not yet sent: send it (the draft keeps it anyway).
  useEffect(
    () => () => {
      if (editable && pendingEdit(savedRef.current, form.getValues())) void save().catch(() => undefined);
    },
    [],
  );

  /** flush saves what is pending and returns the encounter as the server has it. */
  const flush = useCallback(async () => {
    if (inflight.current) await inflight.current.catch(() => undefined);
    return pendingEdit(savedRef.current, form.getValues()) ? save() : savedRef.current;
  }, [form, save]);

  /** keepMine: my text goes on top of their version (sent by the autosave). */
  const keepMine = useCallback(() => {
    if (!theirs) return;
    savedRef.current = theirs;
    qc.setQueryData(encounterKey(theirs.id), theirs);
    form.setFieldValue('base_version', theirs.version);
    setTheirs(null);
    setState(idleState(theirs, form.getValues()));
  }, [theirs, form, qc]);

  /** takeTheirs: their text replaces mine. */
  const takeTheirs = useCallback(() => {
    if (!theirs) return;
    savedRef.current = theirs;
    qc.setQueryData(encounterKey(theirs.id), theirs);
    form.setValues({ notes: theirs.notes, diagnosis: theirs.diagnosis, base_version: theirs.version });
    setTheirs(null);
    setState('saved');
  }, [theirs, form, qc]);

  /** discard forgets the draft: the server's text comes back. */
  const discard = useCallback(() => {
    discardDraft();
    const s = theirs ?? savedRef.current;
    savedRef.current = s;
    qc.setQueryData(encounterKey(s.id), s);
    form.setValues({ notes: s.notes, diagnosis: s.diagnosis, base_version: s.version });
    setTheirs(null);
    setState('saved');
  }, [discardDraft, theirs, form, qc]);

  return { form, state, message, theirs, announce, discardDraft, discard, flush, keepMine, takeTheirs };
}

export type NotesAutosave = ReturnType<typeof useNotesAutosave>;

const STATE_COLORS: Record<SaveState, string> = {
  saved: 'teal.8',
  pending: 'dimmed',
  saving: 'dimmed',
  offline: 'orange.8',
  blocked: 'orange.8',
  error: 'red.8',
  conflict: 'orange.8',
};

export function SaveStateLine({ state }: { state: SaveState }) {
  const { t } = useTranslation();
  const icon =
    state === 'saved' ? <IconCheck size={16} /> : state === 'saving' ? <Loader size={12} /> : state === 'offline' ? <IconCloudOff size={16} /> : state === 'pending' ? <IconPencil size={16} /> : <IconAlertTriangle size={16} />;
  return (
    <Group gap={4} c={STATE_COLORS[state]} data-testid="autosave-state" data-state={state} aria-live="polite">
      {icon}
      <Text size="sm" c={STATE_COLORS[state]}>
        {t(`consult.autosave.${state}`)}
      </Text>
    </Group>
  );
}

export function NotesEditor({ autosave }: { autosave: NotesAutosave }) {
  const { t } = useTranslation();
  const { form, state, message, theirs, announce, keepMine, takeTheirs } = autosave;
  return (
    <Stack data-testid="notes-editor">
      <DraftNotice restored={announce} onDiscard={autosave.discard} />
      {theirs && (
        <VersionConflict
          testId="notes-conflict"
          title={t('consult.conflictTitle')}
          text={t('consult.conflictText')}
          theirsLabel={t('consult.theirVersion', { name: theirs.doctor_name })}
          rows={(['notes', 'diagnosis'] as const).map((f) => ({ field: f, label: t(`consult.${f}`), mine: form.values[f], theirs: theirs[f] }))}
          valueClass="notes-text"
          takeTheirs={{ label: t('consult.takeTheirs'), onClick: takeTheirs }}
          keepMine={{ label: t('consult.keepMine'), onClick: keepMine, testId: 'keep-mine' }}
        />
      )}
      <Textarea
        label={t('consult.notes')}
        description={t('consult.notesHint')}
        required
        name="notes"
        size="md"
        autosize
        minRows={7}
        maxRows={24}
        readOnly={!!theirs}
        data-autofocus
        {...form.getInputProps('notes')}
      />
      <Textarea label={t('consult.diagnosis')} name="diagnosis" size="md" autosize minRows={2} maxRows={8} readOnly={!!theirs} {...form.getInputProps('diagnosis')} />
      <Group justify="space-between">
        <SaveStateLine state={state} />
      </Group>
      {message && state === 'error' && (
        <Alert color="red" role="alert" data-testid="notes-error">
          {message}
        </Alert>
      )}
    </Stack>
  );
}

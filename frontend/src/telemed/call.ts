// call: one side of a video consultation. The browser joins by opening the session's signal
// stream (server-sent events read with fetch, so a refusal's status is seen); the newcomer
// offers, the other answers, ICE candidates go through Chelal too; the media then flows peer
// to peer (host candidates on the LAN; the TURN server when Chelal was given one). Nothing is
// recorded. The call measures itself every second (round trip, packet loss, frames decoded)
// and falls back to audio only when the connection is poor.

export type CallState = 'starting' | 'waiting' | 'connecting' | 'connected' | 'ended' | 'refused' | 'failed';

export interface Quality {
  rttMs?: number;
  lossPct?: number;
  outKbps?: number;
  framesDecoded: number;
  poor: boolean;
}

export interface PeerInfo {
  id: string;
  name: string;
  role: string;
  staff: boolean;
}

export interface SignalBody {
  peer: string;
  to: string;
  kind: 'offer' | 'answer' | 'candidate' | 'bye';
  data?: unknown;
}

/** Transport is how one side reaches Chelal: staff with their session, the patient with the link's token. */
export interface Transport {
  open(signal: AbortSignal): Promise<Response>;
  send(body: SignalBody): Promise<void>;
}

export interface CallSnapshot {
  state: CallState;
  local: MediaStream | null;
  remote: MediaStream | null;
  other: PeerInfo | null;
  muted: boolean;
  cameraOff: boolean;
  audioOnly: boolean;
  autoAudioOnly: boolean;
  quality: Quality;
  error: string;
  /** the HTTP status that refused the join (409: the call is full or over) */
  refusedStatus: number;
}

/** POOR_KBPS: below this estimated outgoing bandwidth (for POOR_SAMPLES seconds) video is dropped. */
export const POOR_KBPS = 150;
export const POOR_LOSS_PCT = 10;
const POOR_SAMPLES = 3;

/** parseSSE splits a text buffer into complete server-sent events and the rest. */
export function parseSSE(buffer: string): { events: { event: string; data: string }[]; rest: string } {
  const events: { event: string; data: string }[] = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let i: number;
  while ((i = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, i);
    rest = rest.slice(i + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/** isPoor says whether a second's figures mean the video should give way to the voice. */
export function isPoor(q: { outKbps?: number; lossPct?: number }): boolean {
  return (q.outKbps !== undefined && q.outKbps < POOR_KBPS) || (q.lossPct !== undefined && q.lossPct > POOR_LOSS_PCT);
}

export class Call {
  private transport: Transport;
  private abort = new AbortController();
  private pc: RTCPeerConnection | null = null;
  private ice: RTCIceServer[] = [];
  private me = '';
  private pending: RTCIceCandidateInit[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private poorCount = 0;
  private lastLoss = { lost: 0, received: 0 };
  private cameras: string[] = [];
  private camera = 0;
  private listeners = new Set<() => void>();
  snap: CallSnapshot = {
    state: 'starting',
    local: null,
    remote: null,
    other: null,
    muted: false,
    cameraOff: false,
    audioOnly: false,
    autoAudioOnly: false,
    quality: { framesDecoded: 0, poor: false },
    error: '',
    refusedStatus: 0,
  };

  constructor(transport: Transport) {
    this.transport = transport;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<CallSnapshot>) {
    this.snap = { ...this.snap, ...patch };
    this.listeners.forEach((fn) => fn());
  }

  /** start asks for the camera and microphone, then joins the call. */
  async start(): Promise<void> {
    try {
      let local: MediaStream;
      try {
        local = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      } catch {
        local = await navigator.mediaDevices.getUserMedia({ audio: true }); // no camera: the voice
      }
      this.set({ local });
      const devices = await navigator.mediaDevices.enumerateDevices();
      this.cameras = devices.filter((d) => d.kind === 'videoinput').map((d) => d.deviceId);
    } catch (err) {
      this.set({ state: 'failed', error: `media: ${String(err)}` });
      return;
    }
    let res: Response;
    try {
      res = await this.transport.open(this.abort.signal);
    } catch (err) {
      this.fail(String(err));
      return;
    }
    if (!res.ok || !res.body) {
      let detail = '';
      try {
        detail = ((await res.json()) as { detail?: string }).detail ?? '';
      } catch {
        /* not a problem document */
      }
      this.stopMedia();
      this.set({ state: 'refused', refusedStatus: res.status, error: detail });
      return;
    }
    this.timer = setInterval(() => void this.measure(), 1000);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseSSE(buffer + value);
        buffer = parsed.rest;
        for (const e of parsed.events) await this.onEvent(e.event, JSON.parse(e.data) as Record<string, unknown>);
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.fail(String(err));
      return;
    }
    if (this.snap.state !== 'ended' && !this.abort.signal.aborted) this.fail('the signalling stream closed');
  }

  private fail(error: string) {
    this.close();
    this.set({ state: 'failed', error });
  }

  private newPeerConnection() {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.ice });
    this.pending = [];
    this.snap.local?.getTracks().forEach((t) => pc.addTrack(t, this.snap.local!));
    pc.onicecandidate = (e) => {
      if (e.candidate && this.snap.other) void this.send('candidate', e.candidate.toJSON());
    };
    pc.ontrack = (e) => this.set({ remote: e.streams[0] ?? new MediaStream([e.track]) });
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') this.set({ state: 'connected' });
      else if (pc.connectionState === 'failed') this.set({ state: 'connecting', error: 'ice-failed' });
    };
    this.pc = pc;
    this.lastLoss = { lost: 0, received: 0 };
    return pc;
  }

  private send(kind: SignalBody['kind'], data?: unknown) {
    const other = this.snap.other;
    if (!other) return Promise.resolve();
    return this.transport.send({ peer: this.me, to: other.id, kind, data }).catch(() => undefined);
  }

  private async onEvent(type: string, d: Record<string, unknown>) {
    switch (type) {
      case 'welcome': {
        this.me = d.peer as string;
        this.ice = (d.ice_servers as RTCIceServer[]) ?? [];
        const peers = (d.peers as PeerInfo[]) ?? [];
        const pc = this.newPeerConnection();
        if (peers.length > 0) {
          // the newcomer offers
          this.set({ other: peers[0]!, state: 'connecting' });
          await pc.setLocalDescription(await pc.createOffer());
          await this.send('offer', pc.localDescription?.toJSON());
        } else {
          this.set({ state: 'waiting' });
        }
        break;
      }
      case 'peer-joined':
        this.set({ other: d.peer as PeerInfo, state: 'connecting' });
        break;
      case 'peer-left':
        this.newPeerConnection();
        this.set({ other: null, remote: null, state: 'waiting' });
        break;
      case 'signal': {
        const pc = this.pc;
        if (!pc) return;
        const data = d.data as RTCSessionDescriptionInit & RTCIceCandidateInit;
        if (d.kind === 'offer') {
          await pc.setRemoteDescription(data);
          await this.flushCandidates();
          await pc.setLocalDescription(await pc.createAnswer());
          await this.send('answer', pc.localDescription?.toJSON());
        } else if (d.kind === 'answer') {
          await pc.setRemoteDescription(data);
          await this.flushCandidates();
        } else if (d.kind === 'candidate') {
          if (pc.remoteDescription) await pc.addIceCandidate(data).catch(() => undefined);
          else this.pending.push(data);
        }
        break;
      }
      case 'ended':
        this.close();
        this.set({ state: 'ended' });
        break;
    }
  }

  private async flushCandidates() {
    const list = this.pending;
    this.pending = [];
    for (const c of list) await this.pc?.addIceCandidate(c).catch(() => undefined);
  }

  /** measure reads the connection's figures (getStats) and drops the video when it is poor. */
  private async measure() {
    const pc = this.pc;
    if (!pc) return;
    const stats = await pc.getStats();
    const q: Quality = { framesDecoded: 0, poor: false };
    let lost = 0;
    let received = 0;
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && (s.nominated || s.selected)) {
        if (typeof s.currentRoundTripTime === 'number') q.rttMs = Math.round(s.currentRoundTripTime * 1000);
        if (typeof s.availableOutgoingBitrate === 'number') q.outKbps = Math.round(s.availableOutgoingBitrate / 1000);
      }
      if (s.type === 'inbound-rtp') {
        lost += Number(s.packetsLost ?? 0);
        received += Number(s.packetsReceived ?? 0);
        if (s.kind === 'video') q.framesDecoded += Number(s.framesDecoded ?? 0);
      }
    });
    const dl = lost - this.lastLoss.lost;
    const dr = received - this.lastLoss.received;
    if (dl + dr > 0) q.lossPct = Math.round((Math.max(0, dl) / (Math.max(0, dl) + Math.max(0, dr))) * 1000) / 10;
    this.lastLoss = { lost, received };
    q.poor = isPoor(q);
    this.poorCount = q.poor ? this.poorCount + 1 : 0;
    if (this.poorCount >= POOR_SAMPLES && !this.snap.audioOnly) {
      this.setAudioOnly(true);
      this.set({ autoAudioOnly: true });
    }
    this.set({ quality: q });
  }

  toggleMute() {
    const muted = !this.snap.muted;
    this.snap.local?.getAudioTracks().forEach((t) => (t.enabled = !muted));
    this.set({ muted });
  }

  toggleCamera() {
    const cameraOff = !this.snap.cameraOff;
    if (!this.snap.audioOnly) this.snap.local?.getVideoTracks().forEach((t) => (t.enabled = !cameraOff));
    this.set({ cameraOff });
  }

  /** setAudioOnly stops sending video (the connection is poor, or the user chose it). */
  setAudioOnly(on: boolean) {
    this.snap.local?.getVideoTracks().forEach((t) => (t.enabled = !on && !this.snap.cameraOff));
    this.set({ audioOnly: on, autoAudioOnly: on ? this.snap.autoAudioOnly : false });
  }

  get canSwitchCamera() {
    return this.cameras.length > 1;
  }

  /** switchCamera moves to the next camera (front/back on a tablet). */
  async switchCamera() {
    if (this.cameras.length < 2) return;
    this.camera = (this.camera + 1) % this.cameras.length;
    const fresh = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: this.cameras[this.camera] } } });
    const track = fresh.getVideoTracks()[0];
    if (!track) return;
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === 'video');
    await sender?.replaceTrack(track);
    const local = this.snap.local;
    local?.getVideoTracks().forEach((t) => {
      t.stop();
      local.removeTrack(t);
    });
    local?.addTrack(track);
    this.set({ local: local ? new MediaStream(local.getTracks()) : null });
  }

  private stopMedia() {
    this.snap.local?.getTracks().forEach((t) => t.stop());
  }

  /** close leaves the call (the other side is told when the stream closes); nothing is kept. */
  close() {
    clearInterval(this.timer);
    this.abort.abort();
    this.pc?.close();
    this.pc = null;
    this.stopMedia();
  }
}

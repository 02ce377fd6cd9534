/**
 * The phone page's service worker (built to /push-sw.js): shows what the server pushes (its
 * title and line, one notification per visit and kind) and, on a tap, focuses the visit's page
 * if it is open, else opens it. No fetch handler: pages load from the network as without it.
 */

/** The few service-worker types used here (the client's lib is DOM, not WebWorker). */
interface PushMessage {
  title: string;
  body: string;
  tag?: string;
  url?: string;
}
interface WindowClient {
  url: string;
  focus(): Promise<WindowClient>;
}
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
interface NotificationClickEvent extends ExtendableEvent {
  notification: Notification & { data: unknown };
}
interface WorkerScope {
  registration: {
    showNotification(
      title: string,
      options: NotificationOptions & { data?: unknown },
    ): Promise<void>;
  };
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  location: Location;
  addEventListener(type: "push", listener: (event: PushEvent) => void): void;
  addEventListener(
    type: "notificationclick",
    listener: (event: NotificationClickEvent) => void,
  ): void;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
}

const worker = self as unknown as WorkerScope;

worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener("push", (event) => {
  let message: PushMessage;
  try {
    message = (event.data?.json() ?? {}) as PushMessage;
  } catch {
    return;
  }
  if (typeof message.title !== "string") return;
  event.waitUntil(
    worker.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      data: { url: message.url },
    }),
  );
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data as { url?: string } | null)?.url;
  // Only pages of this server; the link carries the visit's token in its fragment.
  const url = new URL(wanted ?? "/", worker.location.origin);
  if (url.origin !== worker.location.origin) return;
  event.waitUntil(
    (async () => {
      const open = await worker.clients.matchAll({ type: "window", includeUncontrolled: true });
      // The visit's page, open in a tab: bring it up; else open it.
      const page = open.find((c) => c.url === url.href);
      if (page) {
        await page.focus();
        return;
      }
      await worker.clients.openWindow(url.href);
    })(),
  );
});

import type { AssociateView, Colleague, StaffVisit } from "../../shared/views.js";

/** Views as the server sends them, built by hand for tests of how clients apply them. */

export const staffVisit = (visitId: string, more: Partial<StaffVisit> = {}): StaffVisit => ({
  visitId,
  code: `P-${visitId}`,
  topicId: "phones",
  topicName: "Phones",
  name: "",
  language: null,
  note: "",
  notes: [],
  channel: "kiosk",
  status: "waiting",
  paused: false,
  priority: 0,
  checkedInAt: 1_000,
  waitedMin: 0,
  wait: { lowMin: 2, highMin: 6 },
  slaBreached: false,
  associateId: null,
  targetAssociateId: null,
  ...more,
});

export const colleague = (id: string, more: Partial<Colleague> = {}): Colleague => ({
  id,
  name: id,
  presence: "available",
  connected: true,
  busy: null,
  manager: false,
  ...more,
});

/** Ana's tablet with these visits in line, and Bo and Cy as colleagues. */
export const tablet = (line: StaffVisit[], more: Partial<AssociateView> = {}): AssociateView => ({
  role: "associate",
  storeName: "Shop",
  me: {
    ...colleague("ana", { skills: ["phones"], languages: ["en"] }),
    wrapUpUntil: null,
    awayReason: null,
  },
  line,
  offer: null,
  visit: null,
  undoNoShow: null,
  colleagues: [colleague("bo"), colleague("cy")],
  topics: [{ id: "phones", name: "Phones", letter: "P" }],
  ...more,
});

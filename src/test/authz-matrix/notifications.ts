/** In-app inbox rows: a notification addressed to O1. */
import { notification } from './objects.js';
import { cells, type MatrixRow, signedIn } from './types.js';

export const notificationRows: MatrixRow[] = [
  {
    op: 'listNotifications',
    query: () => 'limit=5',
    expect: signedIn(200),
    note: 'leaks: see the list checks',
  },
  { op: 'markAllNotificationsRead', expect: signedIn(200) },
  {
    op: 'markNotificationRead',
    object: (w) => w.once('notification', () => notification(w)),
    params: (o) => ({ notificationId: o.id! }),
    // O1's client reads O1's inbox, with notifications:read only.
    expect: cells(404, { anonymous: 401, member: 200, orgAdmin: 200, client: 200, clientNoScope: 403 }),
  },
  {
    op: 'markNotificationRead',
    variant: "the member's own",
    object: (w) => w.once('notification:member', () => notification(w, 'member')),
    params: (o) => ({ notificationId: o.id! }),
    // Personal: not even the organisation's admin or client reads it.
    expect: cells(404, { anonymous: 401, member: 200, clientNoScope: 403 }),
  },
];

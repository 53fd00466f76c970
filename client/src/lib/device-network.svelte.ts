/**
 * Whether this device has a network at all (`navigator.onLine`): a phone that left the Wi-Fi, as
 * against a server that does not answer, which only the socket can tell (the phone is online then).
 * A page says which, rather than "network down" for both.
 */
export class DeviceNetwork {
  online = $state(navigator.onLine);

  constructor() {
    addEventListener('online', () => (this.online = true));
    addEventListener('offline', () => (this.online = false));
  }
}

import { SecretKey } from '../auth/secret-key.js';
import { testInput } from './php-escape.js';

export type { SecretKeyOptions as NetworkKeyOptions } from '../auth/secret-key.js';

/**
 * The network-wide key a POST to api.php must carry, checked as the original does:
 * `password_verify(test_input($_POST["api_key"]), $hash)`: the shared key checker, after PHP's
 * test_input (so `" key "` passes, as it does on an original node).
 */
export class NetworkKey extends SecretKey {
  /** Whether the POSTed `api_key` (raw, before test_input) is the network key. */
  override verify(candidate: string | undefined): Promise<boolean> {
    return super.verify(testInput(candidate));
  }
}

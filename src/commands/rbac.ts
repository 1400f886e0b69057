import { Command, Flags } from '@oclif/core';
import { commonFlags, fail } from '../cli/common.js';
import { readerClusterRole, ztunnelAdminRole } from '../findings/pages.js';

export default class Rbac extends Command {
  static override summary = 'Print the read-only ClusterRole the tool needs (and a binding), for kubectl apply -f -';
  static override examples = [
    '<%= config.bin %> rbac | kubectl apply -f -',
    '<%= config.bin %> rbac --user alice@example.com | kubectl apply -f -',
  ];
  static override flags = {
    help: commonFlags.help,
    user: Flags.string({ description: 'also bind the role to this user' }),
    group: Flags.string({ description: 'also bind the role to this group' }),
    serviceaccount: Flags.string({ description: 'also bind the role to this service account (NAMESPACE:NAME)' }),
    'ztunnel-admin': Flags.boolean({
      description: 'also the opt-in Role for explain --ztunnel-admin (create pods/portforward in istio-system)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rbac);
    try {
      const role = readerClusterRole().trimEnd();
      const subjects: string[] = [];
      if (flags.user) subjects.push(`- kind: User\n  apiGroup: rbac.authorization.k8s.io\n  name: ${q(flags.user)}`);
      if (flags.group) subjects.push(`- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: ${q(flags.group)}`);
      if (flags.serviceaccount) {
        const [namespace, name] = flags.serviceaccount.split(':');
        if (!namespace || !name)
          throw new Error(`--serviceaccount wants NAMESPACE:NAME, not "${flags.serviceaccount}"`);
        subjects.push(`- kind: ServiceAccount\n  namespace: ${q(namespace)}\n  name: ${q(name)}`);
      }
      const bindingName = `ambient-doctor-reader-${(flags.user ?? flags.group ?? flags.serviceaccount ?? '')
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')}`.replace(/-+$/, '');
      const binding = subjects.length
        ? [
            'apiVersion: rbac.authorization.k8s.io/v1',
            'kind: ClusterRoleBinding',
            'metadata:',
            `  name: ${bindingName}`,
            'roleRef:',
            '  apiGroup: rbac.authorization.k8s.io',
            '  kind: ClusterRole',
            '  name: ambient-doctor-reader',
            'subjects:',
            ...subjects,
          ].join('\n')
        : '';
      const admin = flags['ztunnel-admin'] ? ztunnelAdminRole().trimEnd() : '';
      process.stdout.write(`${[role, binding, admin].filter(Boolean).join('\n---\n')}\n`);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}

/** A YAML scalar that stays a string (user names may contain ':' or '@'). */
const q = (value: string): string => JSON.stringify(value);

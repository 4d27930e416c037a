/** Who this agent is: its node name and labels (for VrrpGroup nodeSelectors and overrides). */
export interface NodeIdentity {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

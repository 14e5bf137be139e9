// cluster-key-slot ships no types: the one function used here.
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string): number;
}

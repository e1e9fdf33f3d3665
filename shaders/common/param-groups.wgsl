// Parameter groups (PyTorch's param_groups): each trained tensor's lr scale and weight decay,
// read by element index. The including shader declares
//   var<storage, read> groupTable: array<ParamGroup>;
// listing every trained tensor (start, size, lrScale, weightDecay) sorted by start. An element's
// step uses lrScale × the run's lr and the tensor's weight decay; elements in no tensor (the
// layout's padding) get size 0 and are left alone by the caller.
struct ParamGroup { start: u32, size: u32, lrScale: f32, weightDecay: f32 }

fn paramGroupOf(i: u32) -> ParamGroup {
  // The last entry starting at or before i.
  var lo = 0u;
  var hi = arrayLength(&groupTable);
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (groupTable[mid].start <= i) { lo = mid; } else { hi = mid; }
  }
  let entry = groupTable[lo];
  if (i < entry.start || i >= entry.start + entry.size) { return ParamGroup(i, 0u, 0.0, 0.0); }
  return entry;
}

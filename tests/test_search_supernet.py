"""The weight-sharing super-network on a tiny space and a small synthetic
keyword-spotting set: sandwich-rule training lowers the largest member's
loss, every extracted sub-network computes exactly what the super-network
computes at that configuration, batch-norm recalibration sets the running
statistics to the sub-network's own, extracted sub-networks convert to
int8 and read back as the candidate graph of their architecture, training
interrupted after an epoch resumes from its checkpoint to exactly (bit for
bit) the uninterrupted weights, and a damaged or foreign checkpoint is
refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from search_models import assert_same_structure, convert_and_read

from tinykit.errors import TinykitError
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import KWS_MBV2_SPACE, SearchSpace, StageSpace, Stem
from tinykit.search.supernet import Supernet, finished_epochs, recalibrate_batch_norm

CLASSES = 12
TRAINING_CLIPS = 192
# Tiny spaces (tens of members, under 0.5 M MACs each) so two epochs take seconds.
TINY = {
    "dscnn": SearchSpace("dscnn", ((49, 10),), (1.0,), Stem(16, (10, 4), 2),
                         (StageSpace((3, 5), (1,), (1, 2), (8, 16), 1),) * 2, "mlperf"),
    "mbv2": SearchSpace("mbv2", ((49, 10),), (1.0,), Stem(8, (3, 3), 2),
                        (StageSpace((3, 5), (1, 3), (1, 2), (8, 12), 1), StageSpace((3, 5), (2, 3), (1, 2), (12, 16), 2)),
                        "mean"),
}


@pytest.fixture(scope="module")
def features(kws_synthetic):
    from tinykit.kws.dataset import load_speech_commands
    from tinykit.kws.features import mfcc_clips

    training = load_speech_commands(kws_synthetic, seed=0).training
    return mfcc_clips(training.audio[:TRAINING_CLIPS]), training.labels[:TRAINING_CLIPS]


@pytest.fixture(scope="module", params=sorted(TINY))
def trained(request, features):
    space = TINY[request.param]
    supernet = Supernet(space, CLASSES, seed=0)
    reports = supernet.train(*features, epochs=2, batch_size=32, learning_rate=3e-3, random_subnets=1)
    return space, supernet, reports


def _members(space: SearchSpace) -> list:
    rng = np.random.default_rng(5)
    return [space.largest(), space.smallest(), space.sample(rng), space.sample(rng)]


def test_sandwich_training_lowers_the_largest_members_loss(trained):
    _, _, reports = trained
    assert len(reports) == 2
    assert all(np.isfinite([r.largest_loss, r.smallest_loss, r.random_loss]).all() for r in reports)
    assert reports[1].largest_loss < reports[0].largest_loss


def test_extracted_sub_networks_compute_exactly_what_the_supernet_computes(trained, features):
    space, supernet, _ = trained
    x = features[0][:16]
    outputs = []
    for arch in _members(space):
        model = supernet.extract(arch)
        ours = np.asarray(model(x, training=False))
        np.testing.assert_array_equal(ours, supernet.predict(arch, x))
        outputs.append(ours)
    # The members differ, so equality above is not that of one network with itself.
    assert not np.array_equal(outputs[0], outputs[1])


def test_recalibration_gives_batch_norms_the_sub_networks_own_statistics(trained, features):
    import keras

    space, supernet, _ = trained
    x = features[0]
    model = supernet.extract(space.smallest())
    stem_bn = model.get_layer("stem_bn")
    before = model(x[:16], training=False)
    batches = [x[:64], x[64:128]]
    recalibrate_batch_norm(model, batches)
    # The stem's batch norm follows the first convolution alone, so its statistics are those of that conv's output.
    conv = keras.Model(model.input, model.get_layer("stem").output)
    outs = [np.asarray(conv(b)) for b in batches]
    np.testing.assert_allclose(stem_bn.moving_mean.numpy(), np.mean([o.mean(axis=(0, 1, 2)) for o in outs], axis=0),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(stem_bn.moving_variance.numpy(), np.mean([o.var(axis=(0, 1, 2)) for o in outs], axis=0),
                               rtol=1e-3, atol=1e-6)
    assert not np.allclose(before, model(x[:16], training=False))


def test_extracted_sub_networks_convert_to_int8_as_their_candidate_graph(trained, features, tmp_path):
    space, supernet, _ = trained
    arch = _members(space)[2]
    model = supernet.extract(arch)
    recalibrate_batch_norm(model, [features[0][:64]])
    real = convert_and_read(model, tmp_path, calibration=features[0][:32])
    assert_same_structure(candidate_graph(arch, CLASSES), real)


def test_bad_input_is_refused_clearly(trained):
    space, supernet, _ = trained
    with pytest.raises(TinykitError, match="narrow it first"):
        Supernet(KWS_MBV2_SPACE, CLASSES)
    with pytest.raises(TinykitError, match="not a member"):
        supernet.extract(KWS_MBV2_SPACE.largest())
    with pytest.raises(TinykitError, match="at least one batch"):
        recalibrate_batch_norm(supernet.extract(space.smallest()), [])


def test_sub_networks_inherit_the_centre_of_the_kernel_and_the_first_channels(trained):
    space, supernet, _ = trained
    arch = space.smallest()
    model = supernet.extract(arch)
    shared = np.asarray(supernet.weights["s0b0_dw"]["kernel"])
    big, small = shared.shape[0], arch.stages[0].kernel
    channels = arch.channels(arch.stem.width)
    start = (big - small) // 2
    np.testing.assert_array_equal(model.get_layer("s0b0_dw").get_weights()[0],
                                  shared[start:start + small, start:start + small, :channels])
    last = [layer for layer in model.layers if layer.name.endswith(("_pw", "_project"))][-1]
    width = arch.channels(arch.stages[-1].width)
    np.testing.assert_array_equal(model.get_layer("classifier").get_weights()[0],
                                  np.asarray(supernet.weights["classifier"]["kernel"])[:width])
    assert last.get_weights()[0].shape[-1] == width


def test_training_is_reproducible_from_the_seed(features):
    x, y = features[0][:32], features[1][:32]  # one step

    def shared_weights(seed):
        supernet = Supernet(TINY["mbv2"], CLASSES, seed=seed)
        supernet.train(x, y, epochs=1, batch_size=32, random_subnets=1)
        return [np.asarray(v) for layer in supernet.weights.values() for v in layer.values()]

    first, again, other = shared_weights(0), shared_weights(0), shared_weights(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


class Interrupted(Exception):
    """Stands for Ctrl-C after an epoch: raised from the epoch callback, after the checkpoint is written."""


def _interrupt(step_report) -> None:
    raise Interrupted


def _all_weights(supernet: Supernet) -> list[np.ndarray]:
    return [np.asarray(v) for layer in supernet.weights.values() for v in layer.values()]


def test_an_interrupted_training_resumes_to_exactly_the_uninterrupted_weights(features, tmp_path):
    x, y = features[0][:64], features[1][:64]  # two sandwich steps an epoch

    options = {"batch_size": 32, "random_subnets": 1}
    straight = Supernet(TINY["mbv2"], CLASSES, seed=0)
    straight_reports = straight.train(x, y, epochs=2, **options)

    checkpoint = tmp_path / "supernet.npz"
    with pytest.raises(Interrupted):
        Supernet(TINY["mbv2"], CLASSES, seed=0).train(x, y, epochs=2, report=_interrupt, checkpoint=checkpoint,
                                                      **options)
    assert finished_epochs(checkpoint) == 1
    with np.load(checkpoint) as saved:
        after_one = {key.removeprefix("weights/"): saved[key] for key in saved.files if key.startswith("weights/")}
    # A new super-network, as a rerun builds it: its initial weights and generator, replaced by the checkpoint's.
    resumed = Supernet(TINY["mbv2"], CLASSES, seed=0)
    seen = []
    reports = resumed.train(x, y, epochs=2, report=seen.append, checkpoint=checkpoint, **options)
    assert [r.epoch for r in seen] == [1] and finished_epochs(checkpoint) == 2
    assert all(np.array_equal(a, b) for a, b in zip(_all_weights(resumed), _all_weights(straight)))
    # The second epoch moved the weights, so the equality above is not that of untrained copies.
    assert not all(np.array_equal(after_one[k], v) for k, v in straight.state().items())
    assert [(r.largest_loss, r.smallest_loss, r.random_loss) for r in reports] == \
        [(r.largest_loss, r.smallest_loss, r.random_loss) for r in straight_reports]


def test_a_damaged_or_foreign_checkpoint_is_refused_clearly(features, tmp_path):
    x, y = features[0][:32], features[1][:32]
    checkpoint = tmp_path / "supernet.npz"
    Supernet(TINY["dscnn"], CLASSES, seed=0).train(x, y, epochs=1, random_subnets=1, checkpoint=checkpoint)
    whole = checkpoint.read_bytes()

    def refused(*match: str, **options) -> None:
        supernet = Supernet(options.pop("space", TINY["dscnn"]), CLASSES, seed=options.pop("seed", 0))
        with pytest.raises(TinykitError) as error:
            supernet.train(x, y, epochs=options.pop("epochs", 1), random_subnets=1, checkpoint=checkpoint, **options)
        for phrase in (str(checkpoint), *match):
            assert phrase in str(error.value)

    checkpoint.write_bytes(whole[:len(whole) // 2])  # cut short
    refused("damaged", "delete it")
    middle = len(whole) // 2
    checkpoint.write_bytes(whole[:middle] + bytes(b ^ 0xFF for b in whole[middle:middle + 64]) + whole[middle + 64:])
    refused("damaged", "delete it")
    checkpoint.write_bytes(whole)
    refused("other settings", "learning_rate was 0.002, now 0.01", learning_rate=0.01)
    refused("other settings", "seed was 0, now 1", seed=1)
    refused("other settings", "epochs was 1, now 3", epochs=3)  # the cosine schedule spans the epochs
    narrower_stem = SearchSpace("dscnn", ((49, 10),), (1.0,), Stem(8, (10, 4), 2), TINY["dscnn"].stages, "mlperf")
    refused("another super-network", space=narrower_stem)

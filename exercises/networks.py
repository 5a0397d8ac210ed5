"""Exercise 13 — networks: defining models in Keras, from Dense layers to convolutions.

A Keras model is a stack of layers; data flows from the input through each
layer in turn. You will build two classic digit classifiers.

**The multilayer perceptron (MLP).** Flatten the image into a vector of
pixels. A ``Dense(units)`` layer connects *every* input to *every* unit: each
unit computes a weighted sum of all pixels plus a bias, then an *activation*.
With ``relu`` (``max(0, z)``) the network becomes non-linear: two Dense
layers with a relu between them can represent far more than one linear
layer (stacked linear layers collapse into one). The cost: a Dense layer of
784 units on 784 pixels already has 784 × 784 + 784 = 615,440 weights, and
it has no idea that neighbouring pixels belong together; move the digit by
one pixel and the input looks completely different to it.

**The convolutional network (CNN).** A ``Conv2D(filters, kernel_size)``
layer slides small filters (here 5 × 5) over the image. Each filter is a
pattern detector, for example for a stroke at some angle, with only
``5 * 5 * channels + 1`` weights, used at every position: it finds the
pattern wherever it appears. Its output is one *feature map* per filter.

* ``padding="same"`` adds a border of zeros so that the feature maps have the
  same height and width as the input ("valid", no padding, would shrink a
  28 × 28 image to 24 × 24 with a 5 × 5 filter: remember ``output_size``).
* ``MaxPooling2D(2)`` keeps the largest value of every 2 × 2 window: it
  halves height and width, keeps the strongest responses, and makes the
  network a little tolerant to small shifts.
* ``Dropout(0.2)`` switches off a random 20 % of its inputs at every
  training step (and nothing at prediction time), so the network cannot
  lean on a few features: a cheap guard against overfitting.
* ``Flatten`` turns the feature maps into a vector for the Dense layers.

**The output and the loss.** Both models end in ``Dense(num_classes,
activation="softmax")``: softmax turns the class scores into probabilities
that are positive and sum to one. The matching loss is the *categorical
cross-entropy*, ``-log(p_true_class)``: small when the model gives the right
class a high probability, huge when it is confidently wrong. "categorical"
means the labels come one-hot encoded (``one_hot`` from the arrays
exercise). ``adam`` is the optimiser, ``accuracy`` the metric Keras reports.

Start each model with ``keras.Input(shape=...)`` in a ``keras.Sequential``
list, and call ``model.summary()`` to check shapes and parameter counts: the
default CNN has 805,066 parameters. Almost all of them sit in the first
Dense layer (14 × 14 × 32 = 6,272 inputs times 128 units), not in the
convolution (832).

Import Keras inside the functions (``import keras``), as below, so that this
file can be imported on a machine without TensorFlow.

Check your work with `pixelgrade networks`; stuck? `pixelgrade hint networks`.
"""


def build_mlp(num_pixels=784, num_classes=10):
    """A compiled multilayer perceptron for flattened images.

    Parameters
    ----------
    num_pixels : int, optional
        The length of a flattened image (``28 * 28 = 784`` for MNIST).
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    model : keras.Model
        Input ``(num_pixels,)`` -> ``Dense(num_pixels, relu)`` ->
        ``Dense(num_classes, softmax)``, compiled with optimizer ``"adam"``,
        loss ``"categorical_crossentropy"`` and metrics ``["accuracy"]``.
    """
    # TODO: `import keras` here, inside the function (not at the top of the
    # file), so that the module still imports where TensorFlow is missing.
    # TODO: a keras.Sequential of: keras.Input(shape=(num_pixels,)), a Dense
    # layer of num_pixels units with relu, a Dense layer of num_classes units
    # with softmax.
    # TODO: compile it with optimizer "adam", loss "categorical_crossentropy"
    # and metrics ["accuracy"], and return it.
    raise NotImplementedError("build_mlp: not started yet")


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    """A compiled small convolutional network for images.

    Parameters
    ----------
    input_shape : tuple of int, optional
        The shape ``(H, W, C)`` of one image.
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    model : keras.Model
        ``Conv2D(32, 5, padding="same", relu)`` -> ``MaxPooling2D(2)`` ->
        ``Dropout(0.2)`` -> ``Flatten`` -> ``Dense(128, relu)`` ->
        ``Dense(num_classes, softmax)``, compiled with optimizer ``"adam"``,
        loss ``"categorical_crossentropy"`` and metrics ``["accuracy"]``.
        For ``(28, 28, 1)`` and 10 classes: 805,066 parameters.
    """
    # TODO: `import keras` here, inside the function (not at the top of the
    # file), so that the module still imports where TensorFlow is missing.
    # TODO: a keras.Sequential that starts with keras.Input(shape=input_shape)
    # and then has the six layers of the docstring, in that order.
    # TODO: compile it like the MLP and return it; check count_params().
    raise NotImplementedError("build_cnn: not started yet")

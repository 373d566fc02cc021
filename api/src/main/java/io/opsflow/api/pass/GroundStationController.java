package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.CreateGroundStation;
import io.opsflow.api.pass.PassDtos.GroundStationView;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Ground stations: where passes are reserved, and the TM/TC endpoint the executor connects to. */
@RestController
@RequestMapping("/api/v1/ground-stations")
public class GroundStationController {

  private final GroundStations stations;

  public GroundStationController(GroundStations stations) {
    this.stations = stations;
  }

  @PostMapping
  public ResponseEntity<GroundStationView> create(@Valid @RequestBody CreateGroundStation body) {
    GroundStationView created = stations.create(body);
    return ResponseEntity.created(URI.create("/api/v1/ground-stations/" + created.id()))
        .body(created);
  }

  @GetMapping
  public List<GroundStationView> list() {
    return stations.list();
  }

  @GetMapping("/{id}")
  public GroundStationView get(@PathVariable long id) {
    return stations.require(id);
  }
}
